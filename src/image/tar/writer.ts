// A tar writer (pax format where ustar cannot hold a name, number or xattr).

import type { Readable } from 'node:stream';
import { BLOCK, FLAG_OF, paxRecord, type EntryType } from './header.ts';

export interface WriteEntry {
  name: string;
  type: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer | string>;
  /** File content: bytes, or a stream of exactly `size` bytes. */
  data?: Buffer | Readable;
  size?: number;
}

function octal(buf: Buffer, off: number, len: number, n: number): boolean {
  const s = n.toString(8);
  if (s.length > len - 1) return false;
  buf.write(s.padStart(len - 1, '0'), off, 'ascii');
  return true;
}

function header(e: WriteEntry, size: number, name: string, flag: string, pax: Buffer[]): Buffer {
  const b = Buffer.alloc(BLOCK);
  const fits = (s: string, n: number): boolean => Buffer.byteLength(s) <= n;
  if (fits(name, 100)) b.write(name, 0);
  else {
    const slash = name.lastIndexOf('/', name.length - 2);
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (slash > 0 && fits(prefix, 155) && fits(rest, 100)) {
      b.write(rest, 0);
      b.write(prefix, 345);
    } else {
      pax.push(paxRecord('path', name));
      b.write(name.slice(0, 99), 0);
    }
  }
  const num = (off: number, len: number, key: string, v: number): void => {
    if (!octal(b, off, len, v)) {
      pax.push(paxRecord(key, String(v)));
      octal(b, off, len, 0);
    }
  };
  octal(b, 100, 8, (e.mode ?? (e.type === 'dir' ? 0o755 : 0o644)) & 0o7777);
  num(108, 8, 'uid', e.uid ?? 0);
  num(116, 8, 'gid', e.gid ?? 0);
  num(124, 12, 'size', size);
  num(136, 12, 'mtime', Math.floor(e.mtime ?? 0));
  b.write(flag, 156);
  const link = e.linkname ?? '';
  if (fits(link, 100)) b.write(link, 157);
  else pax.push(paxRecord('linkpath', link));
  b.write('ustar\x0000', 257, 'binary');
  b.write((e.uname ?? '').slice(0, 31), 265);
  b.write((e.gname ?? '').slice(0, 31), 297);
  octal(b, 329, 8, e.devmajor ?? 0);
  octal(b, 337, 8, e.devminor ?? 0);
  for (const [k, v] of Object.entries(e.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${k}`, v));
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i];
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

const padding = (n: number): Buffer => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** The header block(s) for an entry: a pax header first when needed. */
export function encodeHeader(e: WriteEntry): Buffer {
  const size = e.type === 'file' ? (e.size ?? (Buffer.isBuffer(e.data) ? e.data.length : 0)) : 0;
  const pax: Buffer[] = [];
  const main = header(e, size, e.name, FLAG_OF[e.type], pax);
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax);
  const ph = header({ name: 'PaxHeaders/' + e.name.slice(-80), type: 'file' }, body.length, 'PaxHeaders/' + e.name.slice(-80), 'x', []);
  return Buffer.concat([ph, body, padding(body.length), main]);
}

/** Serialises entries as a stream of tar bytes, ending with two zero blocks. */
export async function* writeTar(entries: Iterable<WriteEntry> | AsyncIterable<WriteEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    yield encodeHeader(e);
    if (e.type !== 'file' || !e.data) continue;
    let n = 0;
    if (Buffer.isBuffer(e.data)) {
      n = e.data.length;
      if (n) yield e.data;
    } else {
      for await (const c of e.data) {
        n += (c as Buffer).length;
        yield c as Buffer;
      }
    }
    const p = padding(n);
    if (p.length) yield p;
  }
  yield Buffer.alloc(BLOCK * 2);
}

export async function tarBuffer(entries: Iterable<WriteEntry> | AsyncIterable<WriteEntry>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of writeTar(entries)) parts.push(c);
  return Buffer.concat(parts);
}
