// The content store: blobs addressed by digest under blobs/<alg>/<encoded>.
// A blob appears there only whole and verified: bytes are hashed and counted
// while they stream into ingest/<alg>-<encoded>/data, and renamed into place
// only when size and digest match. An interrupted transfer (a broken
// connection, a killed process) leaves its partial data in ingest/ to be
// resumed from its length; any other failure removes it.

import { createReadStream, existsSync, mkdirSync, readdirSync, readFile, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Descriptor } from '../../oci/image-spec.ts';
import { digestOf, hasher, parseDigest } from '../digest.ts';
import { asStorageError, BlobNotFoundError, DigestMismatchError, SizeMismatchError } from '../errors.ts';
import { tryLock, unlock, type Lock } from './lock.ts';

// node:fs/promises is loaded on use: it brings streams and readline (a few ms),
// which a command that only reads a manifest and a config never needs.
const open: typeof import('node:fs/promises').open = (...args) => process.getBuiltinModule('node:fs/promises').open(...args);

export interface Expected {
  digest: string;
  size: number;
}

export interface IngestOptions {
  /** Opens the source from a byte offset (0, or the length of a resumed partial). */
  open: (offset: number) => Promise<AsyncIterable<Buffer>> | AsyncIterable<Buffer>;
  /** Also receives every verified-so-far byte from 0, in order (for unpacking while downloading). */
  tee?: Writable;
  /** Called with bytes written so far. */
  progress?: (done: number, total: number) => void;
  /** Names the blob in errors, e.g. "docker.io/library/busybox layer 2". */
  what?: string;
}

export class ContentStore {
  readonly root: string;
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(root: string) {
    this.root = root;
    mkdirSync(join(root, 'blobs'), { recursive: true });
    mkdirSync(join(root, 'ingest'), { recursive: true });
  }

  path(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return join(this.root, 'blobs', algorithm, encoded);
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    try {
      return statSync(this.path(digest)).size;
    } catch {
      throw new BlobNotFoundError(digest);
    }
  }

  /** Reads a (small) blob whole and checks it against its digest and size limit. */
  async read(digest: string, maxSize = 64 << 20): Promise<Buffer> {
    const path = this.path(digest);
    let data: Buffer;
    try {
      if (statSync(path).size > maxSize) throw new SizeMismatchError(`blob ${digest}`, maxSize, statSync(path).size);
      data = await new Promise<Buffer>((resolve, reject) => readFile(path, (e, d) => (e ? reject(e) : resolve(d))));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(digest);
      throw e;
    }
    const actual = digestOf(data, parseDigest(digest).algorithm);
    if (actual !== digest) throw new DigestMismatchError(`blob ${digest} in content store`, digest, actual);
    return data;
  }

  readSync(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch {
      throw new BlobNotFoundError(digest);
    }
  }

  stream(digest: string): Readable {
    if (!this.has(digest)) throw new BlobNotFoundError(digest);
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /** Stores bytes already in memory; returns their descriptor fields. */
  async put(data: Uint8Array, expected?: Expected, what?: string): Promise<Expected> {
    const digest = expected?.digest ?? digestOf(data);
    const size = expected?.size ?? data.length;
    await this.ingest({ digest, size }, {
      what,
      open: async () => process.getBuiltinModule('node:stream').Readable.from([Buffer.from(data)]),
    });
    return { digest, size };
  }

  /** Writes a blob from a stream, verified; concurrent ingests of one digest write it once. */
  async ingest(expected: Expected, opts: IngestOptions): Promise<void> {
    const { digest } = expected;
    parseDigest(digest);
    if (this.has(digest)) {
      const have = this.size(digest);
      if (have !== expected.size) throw new SizeMismatchError(opts.what ?? `blob ${digest}`, expected.size, have);
      if (!opts.tee) return;
    }
    for (;;) {
      const running = this.inflight.get(digest);
      if (!running) break;
      await running.catch(() => undefined);
    }
    const p = this.ingestOnce(expected, opts);
    this.inflight.set(digest, p);
    try {
      await p;
    } finally {
      if (this.inflight.get(digest) === p) this.inflight.delete(digest);
    }
  }

  private async ingestOnce(expected: Expected, opts: IngestOptions): Promise<void> {
    const { digest, size } = expected;
    const { algorithm, encoded } = parseDigest(digest);
    const what = opts.what ?? `blob ${digest}`;
    if (this.has(digest)) {
      if (opts.tee) await feed(createReadStream(this.path(digest), { highWaterMark: 1 << 20 }), opts.tee, true);
      return;
    }
    const dir = join(this.root, 'ingest', `${algorithm}-${encoded}`);
    let lock: Lock | null;
    try {
      mkdirSync(dir, { recursive: true });
      // Another process is writing the same blob: wait for it rather than race.
      while (!(lock = tryLock(join(dir, 'lock')))) {
        await sleep(20);
        if (this.has(digest)) {
          if (opts.tee) await feed(createReadStream(this.path(digest)), opts.tee, true);
          return;
        }
        mkdirSync(dir, { recursive: true });
      }
    } catch (e) {
      throw asStorageError(what, e);
    }
    const data = join(dir, 'data');
    // The partial is kept for the next attempt to resume only if the source
    // failed (a broken connection). A failure here (disk full, an unpacker
    // that gave up, content that does not verify) would recur, and a kept
    // partial would hold the space a retry needs.
    let sourceFailed = false;
    try {
      const hash = hasher(algorithm);
      let offset = 0;
      if (existsSync(data)) {
        offset = statSync(data).size;
        if (offset > size) {
          rmSync(data);
          offset = 0;
        } else if (offset > 0) {
          // The hash of the partial bytes is not kept, so recompute it.
          for await (const chunk of createReadStream(data, { highWaterMark: 1 << 20 })) {
            hash.update(chunk as Buffer);
            if (opts.tee) await teeWrite(opts.tee, chunk as Buffer);
          }
        }
      }
      const fh = await open(data, offset > 0 ? 'a' : 'w', 0o644);
      let written = offset;
      try {
        if (written < size || size === 0) {
          for await (const c of fromSource(() => opts.open(offset), () => (sourceFailed = true))) {
            const chunk = c as Buffer;
            written += chunk.length;
            if (written > size) throw new SizeMismatchError(what, size, written);
            hash.update(chunk);
            await fh.write(chunk);
            if (opts.tee) await teeWrite(opts.tee, chunk as Buffer);
            opts.progress?.(written, size);
          }
        }
      } finally {
        await fh.close();
      }
      if (written !== size) throw new SizeMismatchError(what, size, written);
      const actual = `${algorithm}:${hash.digest('hex')}`;
      if (actual !== digest) throw new DigestMismatchError(what, digest, actual);
      mkdirSync(join(this.root, 'blobs', algorithm), { recursive: true });
      renameSync(data, this.path(digest));
      opts.tee?.end();
    } catch (e) {
      if (!sourceFailed || (existsSync(data) && statSync(data).size === 0)) rmSync(data, { force: true });
      opts.tee?.destroy(e as Error);
      throw sourceFailed ? e : asStorageError(what, e);
    } finally {
      releaseIngest(dir, lock);
    }
  }

  list(): string[] {
    const out: string[] = [];
    const blobs = join(this.root, 'blobs');
    for (const alg of readdirSync(blobs)) for (const enc of readdirSync(join(blobs, alg))) out.push(`${alg}:${enc}`);
    return out;
  }

  delete(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  /** Removes partial ingests nobody is writing (kept for resume until then). */
  removeStaleIngests(): void {
    const root = join(this.root, 'ingest');
    for (const name of readdirSync(root)) {
      const dir = join(root, name);
      const lock = tryLock(join(dir, 'lock'));
      if (!lock) continue;
      rmSync(join(dir, 'data'), { force: true });
      releaseIngest(dir, lock);
    }
  }

  descriptor(mediaType: string, data: Uint8Array): Descriptor {
    return { mediaType, digest: digestOf(data), size: data.length };
  }
}

/** Unlocks an ingest; one without partial data goes, its lock file removed while still held.
 * A waiter may have made a new lock file meanwhile: then the directory stays, for it. */
function releaseIngest(dir: string, lock: Lock): void {
  const done = !existsSync(join(dir, 'data'));
  unlock(lock, done);
  if (!done) return;
  try {
    rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The source's chunks; onError marks a failure of the source itself (opening or reading it), not of its consumer. */
async function* fromSource(open: () => Promise<AsyncIterable<Buffer>> | AsyncIterable<Buffer>, onError: () => void): AsyncGenerator<Buffer> {
  try {
    yield* await open();
  } catch (e) {
    onError();
    throw e;
  }
}

async function feed(src: Readable, dst: Writable, end: boolean): Promise<void> {
  for await (const chunk of src) await teeWrite(dst, chunk as Buffer);
  if (end) dst.end();
}

/** Writes with backpressure, failing (not hanging) if the consumer has died. */
async function teeWrite(dst: Writable, chunk: Buffer): Promise<void> {
  if (dst.destroyed) throw dst.errored ?? new Error('consumer closed');
  if (dst.write(chunk)) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(dst, 'drain', { signal: ac.signal }), once(dst, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
  if (dst.destroyed) throw dst.errored ?? new Error('consumer closed');
}
