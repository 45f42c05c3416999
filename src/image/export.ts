// A directory tree (a container's mounted rootfs) as a tar stream, for
// `berth export`: read through tree.ts, so nothing outside the directory is
// ever read, whatever the container made of its symlinks meanwhile.

import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntryMaker, walkTree } from './tree.ts';
import { writeTar, type WriteEntry } from './tar/writer.ts';

/** Writes dir's contents (not dir itself) as a tar to out, which is ended. */
export async function exportTree(dir: string, out: Writable): Promise<void> {
  const maker = new EntryMaker();
  const entries = function* (): Generator<WriteEntry> {
    for (const n of walkTree(dir)) {
      const e = maker.make(n.at, n.parts.join('/'));
      if (e) yield e;
    }
  };
  try {
    await pipeline(Readable.from(writeTar(entries())), out);
  } finally {
    maker.close();
  }
}
