// Pulling an image: the manifest (and, for an index, the platform's
// manifest) verified against its digest, the config, then the layers into
// the content store and, unless told otherwise, into snapshots. Everything
// fetched is leased until the image's name is recorded.

import type { Descriptor, Platform } from '../oci/image-spec.ts';
import { digestOf, parseDigest } from './digest.ts';
import { DigestMismatchError, ManifestError } from './errors.ts';
import { ensureLayers, type ProgressEvent } from './layers.ts';
import type { UnpackLimits } from './limits.ts';
import { isImageManifest, MAX_CONFIG, parseConfig, parseManifestOrIndex, selectPlatform } from './manifest.ts';
import { hostPlatform } from './platform.ts';
import { formatReference, parseReference, type Reference } from './reference.ts';
import type { ImageService } from './service.ts';
import type { Lease } from './store/leases.ts';

export interface PullOptions {
  platform?: Platform;
  /** Unpack into snapshots (default true). */
  unpack?: boolean;
  concurrency?: number;
  progress?: (e: ProgressEvent) => void;
  /** Over the service's unpack limits, for this pull. */
  limits?: Partial<UnpackLimits>;
}

export interface PullResult {
  name: string;
  target: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  chainId?: string;
}

async function fetchManifest(svc: ImageService, ref: Reference, reference: string, lease: Lease, mediaTypeHint?: string): Promise<{ desc: Descriptor; data: Buffer }> {
  const got = await svc.registry.getManifest(ref, reference);
  const name = `${formatReference({ ...ref, tag: undefined, digest: undefined })}${reference.includes(':') ? '@' : ':'}${reference}`;
  const expected = reference.includes(':') ? reference : got.digest;
  let digest = digestOf(got.data);
  if (expected) {
    const actual = digestOf(got.data, parseDigest(expected).algorithm);
    if (actual !== expected) throw new DigestMismatchError(`manifest ${name}`, expected, actual);
    digest = expected;
  }
  const parsed = parseManifestOrIndex(got.data, got.mediaType || mediaTypeHint, `manifest ${name}`);
  const desc: Descriptor = { mediaType: parsed.mediaType, digest, size: got.data.length };
  lease.addDigest(digest);
  await svc.content.put(got.data, desc, `manifest ${name}`);
  return { desc, data: got.data };
}

export async function pull(svc: ImageService, input: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(input);
  const name = formatReference(ref);
  const platform = opts.platform ?? hostPlatform();
  const lease = svc.leases.create();
  svc.snapshots.cleanTmp();
  try {
    const top = await fetchManifest(svc, ref, ref.digest ?? ref.tag!, lease);
    let manDesc = top.desc;
    let data = top.data;
    for (let depth = 0; ; depth++) {
      const p = parseManifestOrIndex(data, manDesc.mediaType, `manifest ${name}`);
      if (p.kind === 'manifest') break;
      if (depth > 3) throw new ManifestError(name, 'indexes nested too deeply');
      const child = selectPlatform(p.index, platform, name);
      const got = await fetchManifest(svc, ref, child.digest, lease, child.mediaType);
      if (got.desc.size !== child.size) throw new ManifestError(`manifest ${child.digest}`, `size ${got.desc.size} differs from the index's ${child.size}`);
      manDesc = got.desc;
      data = got.data;
    }
    const parsed = parseManifestOrIndex(data, manDesc.mediaType, `manifest ${name}`);
    if (parsed.kind !== 'manifest') throw new ManifestError(name, 'expected a manifest');
    const manifest = parsed.manifest;
    const fetch = (d: Descriptor, offset: number): AsyncIterable<Buffer> => svc.registry.blob(ref, d.digest, offset);
    const cfg = manifest.config;
    if (cfg.size > MAX_CONFIG) throw new ManifestError(`${name} config ${cfg.digest}`, `config of ${cfg.size} bytes is too large`);
    lease.addDigest(cfg.digest);
    await svc.content.ingest({ digest: cfg.digest, size: cfg.size }, { what: `${name} config`, open: (o) => fetch(cfg, o) });
    let chainId: string | undefined;
    if (isImageManifest(manifest)) {
      const config = parseConfig(await svc.content.read(cfg.digest), `${name} config ${cfg.digest}`);
      chainId = await ensureLayers(svc, manifest.layers, config.rootfs.diff_ids, {
        image: name, lease, fetch, unpack: opts.unpack !== false, concurrency: opts.concurrency, progress: opts.progress, limits: opts.limits,
      });
    } else {
      // An artifact: its blobs are kept, nothing is unpacked.
      for (const l of manifest.layers) {
        lease.addDigest(l.digest);
        await svc.content.ingest({ digest: l.digest, size: l.size }, { what: `${name} blob ${l.digest}`, open: (o) => fetch(l, o) });
      }
    }
    await svc.images.put(name, top.desc);
    return { name, target: top.desc, manifest: manDesc, config: cfg, chainId };
  } finally {
    lease.release();
  }
}
