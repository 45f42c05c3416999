// docker import: a root filesystem tarball (plain, gzip or zstd) becomes an
// image of one layer. The tarball is read once: parsed as tar (so what is
// not one is refused), counted against the unpack limits (so a bomb stops
// there), and its tar bytes recompressed with gzip into the layer. Its
// entries are not judged here: the unpacker refuses what is unsafe (names
// leaving the root, devices...) when the image is used, as for any layer.

import { createReadStream, openSync } from 'node:fs';
import type { ImageConfig, Platform } from '../oci/image-spec.ts';
import { storeImage, writeLayer, type NewImage } from './build.ts';
import { applyChanges } from './changes.ts';
import { decompress } from './compression.ts';
import { ArchiveError, LimitError } from './errors.ts';
import { ensureLayers } from './layers.ts';
import type { UnpackLimits } from './limits.ts';
import { hostPlatform } from './platform.ts';
import { formatReference, parseReference } from './reference.ts';
import type { ImageService } from './service.ts';
import { readTar } from './tar/reader.ts';

export interface ImportOptions {
  /** REPOSITORY[:TAG]; without it the image is recorded under its manifest digest. */
  ref?: string;
  /** Dockerfile instructions for the config (import --change). */
  changes?: string[];
  /** The history comment; default "Imported from <source>". */
  message?: string;
  /** Default: this host's. */
  platform?: Platform;
  /** Over the service's unpack limits: the tarball may expand to no more than one layer. */
  limits?: Partial<UnpackLimits>;
  /** Unpack the layer into the snapshotter now. */
  unpack?: boolean;
}

function openInput(path: string): AsyncIterable<Buffer> {
  try {
    return createReadStream('', { fd: openSync(path, 'r') });
  } catch (e) {
    throw new ArchiveError(path, `cannot be read: ${(e as Error).message}`);
  }
}

/** Imports the tarball at path ("-": stdin), or the bytes of a stream (named "-" in history). */
export async function importImage(svc: ImageService, input: string | AsyncIterable<Buffer>, opts: ImportOptions = {}): Promise<NewImage> {
  const source = typeof input === 'string' ? input : '-';
  const what = `import ${source}`;
  // Everything that can be refused without reading is refused before reading.
  const name = opts.ref === undefined ? undefined : formatReference(parseReference(opts.ref));
  const runConfig = applyChanges({}, opts.changes ?? []);
  const platform = opts.platform ?? hostPlatform();
  const limits = svc.unpackLimits(opts.limits);
  const src: AsyncIterable<Buffer> = input === '-' ? process.stdin : typeof input === 'string' ? openInput(input) : input;

  let bytes = 0;
  const counted = async function* (): AsyncGenerator<Buffer> {
    for await (const c of decompress(src)) {
      bytes += c.length;
      if (bytes > limits.maxLayerSize) throw new LimitError(what, `expands past ${limits.maxLayerSize} bytes`, 'maxLayerSize');
      yield c;
    }
  };
  // The tar reader parses the bytes that go on to the layer, as they go.
  const checked = async function* (): AsyncGenerator<Buffer> {
    const pending: Buffer[] = [];
    const seen = async function* (): AsyncGenerator<Buffer> {
      for await (const c of counted()) {
        pending.push(c);
        yield c;
      }
    };
    let entries = 0;
    for await (const e of readTar(seen(), what)) {
      if (++entries > limits.maxLayerEntries) throw new LimitError(what, `has more than ${limits.maxLayerEntries} entries`, 'maxLayerEntries');
      for await (const _ of e.data()) yield* pending.splice(0);
      yield* pending.splice(0);
    }
    yield* pending.splice(0);
    if (bytes === 0) throw new ArchiveError(source, 'is empty: expected a tar archive of a root filesystem');
  };

  const lease = svc.leases.create();
  try {
    const layer = await writeLayer(svc, lease, checked(), what, false);
    const created = new Date().toISOString();
    const config: ImageConfig = {
      created,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: runConfig,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment: opts.message ?? `Imported from ${source}` }],
    };
    const img = await storeImage(svc, lease, config, [layer.desc], name, false);
    if (opts.unpack) await ensureLayers(svc, [layer.desc], config.rootfs.diff_ids, { image: img.name, lease, unpack: true, limits: opts.limits });
    return img;
  } finally {
    lease.release();
  }
}
