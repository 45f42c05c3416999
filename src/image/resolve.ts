// From an image name in the store to the one image manifest and config to
// run: the index's entry for the platform, its config, its layer chain.

import type { Descriptor, ImageConfig, Manifest, Platform } from '../oci/image-spec.ts';
import { INDEX_TYPES, MANIFEST_TYPES } from '../oci/image-spec.ts';
import { chainIds, isDigest } from './digest.ts';
import { ImageNotFoundError, ManifestError } from './errors.ts';
import { isImageManifest, parseConfig, parseManifestOrIndex, selectPlatform } from './manifest.ts';
import { hostPlatform } from './platform.ts';
import { formatReference, parseReference } from './reference.ts';
import type { ImageService } from './service.ts';
import type { ImageRecord } from './store/images.ts';
import type { ContentStore } from './store/content.ts';

export interface ResolvedImage {
  record: ImageRecord;
  manifestDesc: Descriptor;
  manifest: Manifest;
  configDesc: Descriptor;
  config: ImageConfig;
  /** The top layer's chain ID: the rootfs snapshot. */
  chainId?: string;
}

/** A name as the user typed it ("busybox", "localhost:5000/x:1", an image ID or a digest prefix). */
export function findRecord(svc: ImageService, name: string): ImageRecord {
  const all = svc.images.list();
  let full: string | undefined;
  try {
    full = formatReference(parseReference(name));
  } catch {
    full = undefined;
  }
  const exact = all.find((r) => r.name === full || r.name === name);
  if (exact) return exact;
  const id = name.startsWith('sha256:') ? name : `sha256:${name}`;
  if (/^(sha256:)?[a-f0-9]{4,64}$/.test(name)) {
    const hits = all.filter((r) => r.target.digest.startsWith(id));
    if (hits.length > 0 && new Set(hits.map((h) => h.target.digest)).size === 1) return hits[0];
  }
  if (isDigest(name)) {
    const hit = all.find((r) => r.target.digest === name);
    if (hit) return hit;
  }
  // docker's image ID is the config's digest: what import and commit print.
  if (/^(sha256:)?[a-f0-9]{4,64}$/.test(name)) {
    const hits = all.filter((r) => configDigest(svc, r)?.startsWith(id));
    if (hits.length > 0 && new Set(hits.map((h) => h.target.digest)).size === 1) return hits[0];
  }
  throw new ImageNotFoundError(name);
}

/** The config digest of a record naming an image manifest (not an index), if its blob is here. */
function configDigest(svc: ImageService, r: ImageRecord): string | undefined {
  if (!MANIFEST_TYPES.includes(r.target.mediaType) || !svc.content.has(r.target.digest)) return undefined;
  try {
    const p = parseManifestOrIndex(svc.content.readSync(r.target.digest), r.target.mediaType, r.name);
    return p.kind === 'manifest' ? p.manifest.config.digest : undefined;
  } catch {
    return undefined;
  }
}

/** Descends an index to the platform's manifest; a manifest stands for itself. */
export async function manifestFor(store: ContentStore, top: Descriptor, platform: Platform, image: string): Promise<{ desc: Descriptor; manifest: Manifest }> {
  let desc = top;
  for (let depth = 0; depth < 4; depth++) {
    const p = parseManifestOrIndex(await store.read(desc.digest), desc.mediaType, `${image} manifest ${desc.digest}`);
    if (p.kind === 'manifest') return { desc, manifest: p.manifest };
    desc = selectPlatform(p.index, platform, image);
  }
  throw new ManifestError(image, 'indexes nested too deeply');
}

export async function resolveImage(svc: ImageService, name: string, platform: Platform = hostPlatform()): Promise<ResolvedImage> {
  const record = findRecord(svc, name);
  const { desc, manifest } = await manifestFor(svc.content, record.target, platform, record.name);
  if (!isImageManifest(manifest)) throw new ManifestError(record.name, `is an artifact (config media type ${manifest.config.mediaType}), not a runnable image`);
  const config = parseConfig(await svc.content.read(manifest.config.digest), `${record.name} config ${manifest.config.digest}`);
  const chain = chainIds(config.rootfs.diff_ids);
  return { record, manifestDesc: desc, manifest, configDesc: manifest.config, config, chainId: chain[chain.length - 1] };
}

export function isIndex(d: Descriptor): boolean {
  return INDEX_TYPES.includes(d.mediaType);
}
