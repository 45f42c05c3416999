// Layers for tests, built from Debian's busybox-static: tar entries in memory,
// compressed as a registry would serve them.

import { readFileSync } from 'node:fs';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { WriteEntry } from '../../../src/image/tar/writer.ts';
import { tarBuffer } from '../../../src/image/tar/writer.ts';

export const APPLETS = ['sh', 'echo', 'cat', 'ls', 'id', 'env', 'pwd', 'true', 'false', 'test', 'stat', 'readlink', 'sleep'];

let busybox: Buffer | undefined;
export function busyboxBinary(): Buffer {
  busybox ??= readFileSync('/bin/busybox');
  return busybox;
}

const MTIME = 1_700_000_000;

export function dir(name: string, mode = 0o755): WriteEntry {
  return { name, type: 'dir', mode, mtime: MTIME };
}
export function file(name: string, data: string | Buffer, mode = 0o644, extra: Partial<WriteEntry> = {}): WriteEntry {
  return { name, type: 'file', mode, data: Buffer.from(data), mtime: MTIME, ...extra };
}
export function symlink(name: string, target: string): WriteEntry {
  return { name, type: 'symlink', linkname: target, mode: 0o777, mtime: MTIME };
}
export function hardlink(name: string, target: string): WriteEntry {
  return { name, type: 'link', linkname: target, mtime: MTIME };
}

/** A minimal busybox root filesystem with users for User resolution. */
export function busyboxRootfs(): WriteEntry[] {
  return [
    dir('bin'), dir('etc'), dir('tmp', 0o1777), dir('proc'), dir('sys'), dir('dev'), dir('home'), dir('home/app'),
    file('bin/busybox', busyboxBinary(), 0o755),
    ...APPLETS.map((a) => symlink(`bin/${a}`, 'busybox')),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n'),
    file('etc/group', 'root:x:0:\nstaff:x:50:app\napp:x:1001:\nnogroup:x:65534:\n'),
  ];
}

export async function layer(entries: WriteEntry[], compression: 'gzip' | 'zstd' | 'none' = 'gzip'): Promise<{ tar: Buffer; blob: Buffer }> {
  const tar = await tarBuffer(entries);
  const blob = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstdCompressSync(tar) : tar;
  return { tar, blob };
}

/** An archive's entries without its end blocks, to splice headers the writer would never make. */
export async function entryBlocks(entries: WriteEntry[]): Promise<Buffer> {
  const t = await tarBuffer(entries);
  return t.subarray(0, t.length - 1024);
}

/** A pax extended header holding body as is: "x" for the next entry, "g" for every later one. */
export async function paxHeader(flag: 'x' | 'g', body: Buffer): Promise<Buffer> {
  const b = Buffer.from(await entryBlocks([file('PaxHeader', body)]));
  b[156] = flag.charCodeAt(0);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i];
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}
