// New images made here (import, commit): a layer blob from a tar stream,
// gzip-compressed into a file under the store's tmp/ while both digests are
// taken (the blob's, and the uncompressed tar's: the diff ID), then ingested
// into the content store, which verifies it once more; then the config and
// manifest over it, and a name. A lease holds every blob until the name does.

import { createReadStream, createWriteStream, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MediaType, type Descriptor, type ImageConfig, type Manifest } from '../oci/image-spec.ts';
import { compressor } from './compression.ts';
import { digestOf, hasher } from './digest.ts';
import { asStorageError } from './errors.ts';
import type { ImageService } from './service.ts';
import type { Lease } from './store/leases.ts';

/** What import and commit return. */
export interface NewImage {
  /** The image ID, as docker prints it: the config's digest. */
  id: string;
  /** The manifest's descriptor (what the name points at). */
  manifest: Descriptor;
  /** The name it was recorded under: the reference given, or else the manifest's digest. */
  name: string;
}

export interface WrittenLayer {
  desc: Descriptor;
  diffId: string;
  /** Bytes of the uncompressed tar. */
  size: number;
}

/** Stores the tar bytes of src as a gzip layer (of OCI's media type, or Docker's); what names it in errors. */
export async function writeLayer(svc: ImageService, lease: Lease, src: AsyncIterable<Buffer>, what: string, oci: boolean): Promise<WrittenLayer> {
  const dir = join(svc.root, 'tmp');
  const path = join(dir, `layer-${process.pid}-${Math.random().toString(36).slice(2, 10)}.gz`);
  try {
    const diff = hasher();
    const blob = hasher();
    let size = 0;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw asStorageError(what, e);
    }
    // Opened here, not by the stream: a stream opens its file in the background, and a pipeline
    // that fails first (a limit hit at once) would leave it to be made after the clean-up ran.
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      throw asStorageError(what, e);
    }
    try {
      await pipeline(
        async function* () {
          for await (const c of src) {
            diff.update(c);
            size += c.length;
            yield c;
          }
        },
        compressor('gzip')!,
        async function* (compressed: AsyncIterable<Buffer>) {
          for await (const c of compressed) {
            blob.update(c);
            yield c;
          }
        },
        createWriteStream('', { fd }),
      );
    } catch (e) {
      throw asStorageError(what, e);
    }
    const desc: Descriptor = { mediaType: oci ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip, digest: `sha256:${blob.digest('hex')}`, size: statSync(path).size };
    lease.addDigest(desc.digest);
    await svc.content.ingest(desc, { what, open: (o) => createReadStream(path, { start: o }) as AsyncIterable<Buffer> });
    return { desc, diffId: `sha256:${diff.digest('hex')}`, size };
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * Stores config and a manifest over layers (OCI media types, or Docker's
 * schema 2 as docker import and commit write them) and names the manifest.
 * name: a full reference already checked, or undefined for the manifest's digest.
 */
export async function storeImage(svc: ImageService, lease: Lease, config: ImageConfig, layers: Descriptor[], name: string | undefined, oci: boolean): Promise<NewImage> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const cfg: Descriptor = { mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig, digest: digestOf(configBytes), size: configBytes.length };
  lease.addDigest(cfg.digest);
  await svc.content.put(configBytes, cfg, `${name ?? 'new image'}: config`);
  const mediaType = oci ? MediaType.ociManifest : MediaType.dockerManifest;
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: cfg, layers } satisfies Manifest));
  const manifest: Descriptor = { mediaType, digest: digestOf(manifestBytes), size: manifestBytes.length };
  lease.addDigest(manifest.digest);
  await svc.content.put(manifestBytes, manifest, `${name ?? 'new image'}: manifest`);
  const recorded = name ?? manifest.digest;
  await svc.images.put(recorded, manifest);
  return { id: cfg.digest, manifest, name: recorded };
}
