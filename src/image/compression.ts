// Layer compression: chosen by the blob's first bytes rather than its media
// type, since docker-archive and some registries label layers loosely.

import { pipeline, Readable } from 'node:stream';

// Loaded on use (a few ms): a CLI's run of an unpacked image never (de)compresses.
const zlib = () => process.getBuiltinModule('node:zlib');

export type Compression = 'gzip' | 'zstd' | 'none';

export function detect(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The uncompressed bytes of whatever the source turns out to hold. */
export async function* decompress(src: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): AsyncGenerator<Buffer> {
  const it = Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : (async function* () {
    yield* src;
  })();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, r.value]);
  }
  const all = async function* (): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  };
  const kind = detect(head);
  if (kind === 'none') {
    yield* all();
    return;
  }
  const z = kind === 'gzip' ? zlib().createGunzip({ chunkSize: 1 << 17 }) : zlib().createZstdDecompress({ chunkSize: 1 << 17 });
  pipeline(Readable.from(all(), { objectMode: false }), z, () => undefined);
  for await (const c of z) yield c as Buffer;
}

export function compressor(kind: Compression): NodeJS.ReadWriteStream | undefined {
  if (kind === 'gzip') return zlib().createGzip({ level: 6 });
  if (kind === 'zstd') return zlib().createZstdCompress({ params: { [zlib().constants.ZSTD_c_compressionLevel]: 3 } });
  return undefined;
}
