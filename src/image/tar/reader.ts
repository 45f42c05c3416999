// A streaming tar reader: yields each entry's header and a one-shot iterator
// over its data, never holding more than one chunk of a file in memory.

import { TarFormatError } from '../errors.ts';
import { BLOCK, checksumOk, parseNumber, parsePax, parseString, TYPE_FLAGS, type TarHeader } from './header.ts';

export interface TarEntry {
  header: TarHeader;
  /** The entry's stored bytes; iterate at most once, before asking for the next entry. */
  data(): AsyncGenerator<Buffer>;
}

/** One extended header (pax, GNU long name), as Go's archive/tar allows. */
const MAX_META = 1 << 20;
/** Global pax records apply to every later entry: all of them together, bytes and distinct keys. */
const MAX_GLOBAL_BYTES = 64 << 10;
const MAX_GLOBAL_RECORDS = 256;
/** Segments of one sparse file's map (each a pair of numbers held in memory). */
const MAX_SPARSE_SEGMENTS = 1 << 18;

type Source = AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>;

class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private done = false;
  position = 0;

  constructor(src: Source) {
    this.it = Symbol.asyncIterator in src ? (src as AsyncIterable<Buffer>)[Symbol.asyncIterator]() : (async function* () {
      yield* src as Iterable<Buffer>;
    })();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.buf = this.off < this.buf.length ? Buffer.concat([this.buf.subarray(this.off), chunk]) : chunk;
    this.off = 0;
    return true;
  }

  /** Exactly n bytes, or fewer only at end of input. */
  async exact(n: number): Promise<Buffer> {
    while (this.buf.length - this.off < n) if (!(await this.fill())) break;
    const take = Math.min(n, this.buf.length - this.off);
    const out = this.buf.subarray(this.off, this.off + take);
    this.off += take;
    this.position += take;
    return out;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (this.off >= this.buf.length && !(await this.fill())) return;
      const take = Math.min(n, this.buf.length - this.off);
      const out = this.buf.subarray(this.off, this.off + take);
      this.off += take;
      this.position += take;
      n -= take;
      yield out;
    }
  }

  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const c of this.chunks(n)) skipped += c.length;
    return skipped;
  }

  /** Drains the source so an upstream hasher sees every byte (trailing zero blocks included). */
  async drain(): Promise<void> {
    this.off = this.buf.length;
    while (await this.fill()) this.off = this.buf.length;
  }
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

/** `where` names the archive in errors (a layer digest or a file path). */
export async function* readTar(src: Source, where: string): AsyncGenerator<TarEntry> {
  const r = new ByteReader(src);
  const globalPax = new Map<string, Buffer>();
  let globalBytes = 0;
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  const fail = (why: string): never => {
    throw new TarFormatError(where, `${why} (at byte ${r.position})`);
  };
  const meta = async (size: number): Promise<Buffer> => {
    if (size > MAX_META) fail(`extended header of ${size} bytes is too large`);
    const b = await r.exact(size);
    if (b.length < size) fail('truncated extended header');
    await r.skip(pad(size));
    return Buffer.from(b);
  };
  for (;;) {
    const block = await r.exact(BLOCK);
    if (block.length === 0) return; // no end-of-archive blocks: tolerated, as GNU tar does
    if (block.length < BLOCK) fail('truncated header');
    if (isZero(block)) {
      await r.drain();
      return;
    }
    if (!checksumOk(block)) fail('header checksum mismatch (not a tar archive, or corrupt)');
    const flag = String.fromCharCode(block[156]);
    const size = parseNumber(block, 124, 12);
    if (flag === 'x' || flag === 'g') {
      let records: Map<string, Buffer>;
      try {
        records = parsePax(await meta(size));
      } catch (e) {
        if (e instanceof TarFormatError) throw e;
        return fail((e as Error).message);
      }
      if (flag === 'g') {
        globalBytes += size;
        if (globalBytes > MAX_GLOBAL_BYTES) fail(`global pax headers of more than ${MAX_GLOBAL_BYTES} bytes`);
        for (const [k, v] of records) globalPax.set(k, v);
        if (globalPax.size > MAX_GLOBAL_RECORDS) fail(`more than ${MAX_GLOBAL_RECORDS} global pax records`);
      } else {
        pax = records;
      }
      continue;
    }
    if (flag === 'L' || flag === 'K') {
      const v = parseString(await meta(size), 0, size);
      if (flag === 'L') longName = v;
      else longLink = v;
      continue;
    }
    const str = (k: string): string | undefined => (pax.get(k) ?? globalPax.get(k))?.toString('utf8');
    const magic = block.toString('ascii', 257, 263);
    let name = parseString(block, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = parseString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    name = str('path') ?? longName ?? name;
    let type = TYPE_FLAGS[flag];
    let sparse: TarHeader['sparse'];
    const dataSize = Number(str('size') ?? size);
    if (flag === 'S') {
      type = 'file';
      sparse = { map: [], realSize: parseNumber(block, 483, 12) };
      const readMap = (b: Buffer, off: number, n: number): void => {
        for (let i = 0; i < n; i++) {
          const o = off + i * 24;
          if (b[o] === 0) return;
          if (sparse!.map.length >= MAX_SPARSE_SEGMENTS) fail(`entry "${name}": more than ${MAX_SPARSE_SEGMENTS} sparse segments`);
          sparse!.map.push([parseNumber(b, o, 12), parseNumber(b, o + 12, 12)]);
        }
      };
      readMap(block, 386, 4);
      let extended = block[482] !== 0;
      while (extended) {
        const ext = await r.exact(BLOCK);
        if (ext.length < BLOCK) fail('truncated sparse header');
        readMap(ext, 0, 21);
        extended = ext[504] !== 0;
      }
    }
    if (!type) fail(`entry "${name}": unsupported type flag "${flag.replace(/\0/, '\\0')}"`);
    // No prototype: a name is only ever a name ("__proto__" included).
    const xattrs: Record<string, Buffer> = Object.create(null);
    for (const records of [globalPax, pax]) for (const [k, v] of records) if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice(13)] = v;
    let dataPrefix = 0;
    if (str('GNU.sparse.major') === '1' && str('GNU.sparse.minor') === '0') {
      // pax sparse 1.0: the map is decimal text at the start of the data, block-padded.
      name = str('GNU.sparse.name') ?? name;
      const map: [number, number][] = [];
      let text = '';
      let consumed = 0;
      const nextNumber = async (): Promise<number> => {
        for (;;) {
          const nl = text.indexOf('\n');
          if (nl >= 0) {
            const n = Number(text.slice(0, nl));
            text = text.slice(nl + 1);
            if (!Number.isInteger(n)) fail(`entry "${name}": bad sparse map`);
            return n;
          }
          const b = await r.exact(BLOCK);
          if (b.length < BLOCK) fail(`entry "${name}": truncated sparse map`);
          consumed += BLOCK;
          text += b.toString('ascii');
        }
      };
      const count = await nextNumber();
      if (count > MAX_SPARSE_SEGMENTS) fail(`entry "${name}": more than ${MAX_SPARSE_SEGMENTS} sparse segments`);
      for (let i = 0; i < count; i++) map.push([await nextNumber(), await nextNumber()]);
      dataPrefix = consumed;
      sparse = { map, realSize: Number(str('GNU.sparse.realsize') ?? 0) };
    }
    const header: TarHeader = {
      name,
      type,
      mode: parseNumber(block, 100, 8) & 0o7777,
      uid: Number(str('uid') ?? parseNumber(block, 108, 8)),
      gid: Number(str('gid') ?? parseNumber(block, 116, 8)),
      size: dataSize - dataPrefix,
      mtime: Number(str('mtime') ?? parseNumber(block, 136, 12)),
      linkname: str('linkpath') ?? longLink ?? parseString(block, 157, 100),
      uname: str('uname') ?? parseString(block, 265, 32),
      gname: str('gname') ?? parseString(block, 297, 32),
      devmajor: parseNumber(block, 329, 8),
      devminor: parseNumber(block, 337, 8),
      xattrs,
      sparse,
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    const bodySize = header.size;
    let consumed = false;
    let read = 0;
    yield {
      header,
      data: async function* () {
        if (consumed) throw new Error('tar entry data already read');
        consumed = true;
        for await (const c of r.chunks(bodySize)) {
          read += c.length;
          yield c;
        }
      },
    };
    const left = bodySize - read;
    if ((left > 0 ? await r.skip(left) : 0) !== left) fail(`entry "${name}": truncated data`);
    const p = pad(dataSize);
    if ((await r.skip(p)) !== p) fail(`entry "${name}": truncated padding`);
  }
}
