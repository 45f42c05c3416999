// Parsing the JSON documents of an image at the boundary: a manifest, index
// or config of the wrong shape, media type or size is refused here, naming it.

import {
  CONFIG_TYPES, INDEX_TYPES, MANIFEST_TYPES, MediaType, type Descriptor, type ImageConfig, type Index, type Manifest,
  type Platform,
} from '../oci/image-spec.ts';
import { parseDigest } from './digest.ts';
import { ManifestError, PlatformNotFoundError } from './errors.ts';
import { formatPlatform, matches } from './platform.ts';

/** containerd's limit: a manifest or index larger than this is refused before it is read whole. */
export const MAX_MANIFEST = 4 << 20;
export const MAX_CONFIG = 16 << 20;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) throw new ManifestError(what, 'descriptor must be an object');
  if (typeof v.mediaType !== 'string' || !v.mediaType) throw new ManifestError(what, 'descriptor has no mediaType');
  if (typeof v.digest !== 'string') throw new ManifestError(what, 'descriptor has no digest');
  try {
    parseDigest(v.digest);
  } catch (e) {
    throw new ManifestError(what, (e as Error).message);
  }
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw new ManifestError(what, 'descriptor size must be a non-negative integer');
  return v as unknown as Descriptor;
}

function json(data: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (e) {
    throw new ManifestError(what, `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new ManifestError(what, 'must be a JSON object');
  return v;
}

export type Parsed = { kind: 'manifest'; mediaType: string; manifest: Manifest } | { kind: 'index'; mediaType: string; index: Index };

/** mediaType is what the registry or descriptor said; the document's own field wins if present. */
export function parseManifestOrIndex(data: Uint8Array, mediaType: string | undefined, what: string): Parsed {
  if (data.length > MAX_MANIFEST) throw new ManifestError(what, `${data.length} bytes is larger than the ${MAX_MANIFEST}-byte limit`);
  const v = json(data, what);
  if (v.schemaVersion !== 2) throw new ManifestError(what, `unsupported schemaVersion ${JSON.stringify(v.schemaVersion)} (Docker schema 1 is not supported)`);
  const type = typeof v.mediaType === 'string' ? v.mediaType : mediaType && !mediaType.startsWith('application/json') ? mediaType : Array.isArray(v.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  if (mediaType && typeof v.mediaType === 'string' && mediaType !== v.mediaType && !mediaType.startsWith('application/json')) {
    throw new ManifestError(what, `media type mismatch: served as ${mediaType}, document says ${v.mediaType}`);
  }
  if (INDEX_TYPES.includes(type)) {
    if (!Array.isArray(v.manifests)) throw new ManifestError(what, 'index has no manifests array');
    v.manifests.forEach((d, i) => checkDescriptor(d, `${what}: manifests[${i}]`));
    return { kind: 'index', mediaType: type, index: v as unknown as Index };
  }
  if (MANIFEST_TYPES.includes(type)) {
    checkDescriptor(v.config, `${what}: config`);
    if (!Array.isArray(v.layers)) throw new ManifestError(what, 'manifest has no layers array');
    v.layers.forEach((d, i) => checkDescriptor(d, `${what}: layers[${i}]`));
    return { kind: 'manifest', mediaType: type, manifest: v as unknown as Manifest };
  }
  throw new ManifestError(what, `unsupported media type "${type}" (expected an image manifest or index)`);
}

/** True for a manifest that is a runnable image (not an artifact, signature or attestation). */
export function isImageManifest(m: Manifest): boolean {
  return CONFIG_TYPES.includes(m.config.mediaType);
}

export function parseConfig(data: Uint8Array, what: string): ImageConfig {
  if (data.length > MAX_CONFIG) throw new ManifestError(what, `config of ${data.length} bytes is too large`);
  const v = json(data, what);
  const rootfs = v.rootfs as Record<string, unknown> | undefined;
  if (!isObject(rootfs) || !Array.isArray(rootfs.diff_ids)) throw new ManifestError(what, 'config has no rootfs.diff_ids');
  for (const d of rootfs.diff_ids) {
    try {
      parseDigest(String(d));
    } catch (e) {
      throw new ManifestError(what, `rootfs.diff_ids: ${(e as Error).message}`);
    }
  }
  if (typeof v.architecture !== 'string' || typeof v.os !== 'string') throw new ManifestError(what, 'config needs architecture and os');
  return v as unknown as ImageConfig;
}

/** The index entry for a platform; artifacts and attestations (unknown/unknown) are skipped. */
export function selectPlatform(index: Index, want: Platform, image: string): Descriptor {
  const candidates = index.manifests.filter((d) => MANIFEST_TYPES.includes(d.mediaType) || INDEX_TYPES.includes(d.mediaType));
  const hit = candidates.find((d) => d.platform && matches(want, d.platform));
  if (hit) return hit;
  // An index without platforms (an OCI layout of one image) names its single image.
  const bare = candidates.filter((d) => !d.platform);
  if (bare.length === 1 && candidates.length === 1) return bare[0];
  throw new PlatformNotFoundError(image, formatPlatform(want), candidates.filter((d) => d.platform && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform)));
}
