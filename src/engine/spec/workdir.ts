// -w made when missing, as Docker makes it at create: each missing directory
// created inside the container's root with the container root's 0755, and
// symlinks met on the way followed as the container would see them (absolute
// targets and ".." stay inside the root), so an image's link cannot make a
// directory on the host. Nothing of the container runs yet to race with.

import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from './check.ts';

export function makeWorkdir(root: string, path: string): void {
  const fail = (msg: string) => invalid('workdir', '--workdir', `${path}: ${msg}`);
  const done: string[] = [];
  const queue = path.split('/').filter((c) => c && c !== '.');
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const p = join(root, ...done, c);
    let st;
    try {
      st = lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(p, { mode: 0o755 });
      done.push(c);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw fail('too many levels of symbolic links');
      const target = readlinkSync(p);
      if (target.startsWith('/')) done.length = 0;
      queue.unshift(...target.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    if (!st.isDirectory()) throw fail(`/${[...done, c].join('/')} is not a directory`);
    done.push(c);
  }
}
