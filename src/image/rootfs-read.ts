// Reading a file of an untrusted root filesystem from the host: symlinks are
// followed as the container would see them (absolute targets and ".." stay
// inside the root), so /etc/passwd -> /host/secret reads nothing of the host.

import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function readInRoot(root: string, path: string, maxSize = 1 << 20): string | undefined {
  const out: string[] = [];
  const queue = path.split('/').filter((c) => c && c !== '.');
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '..') {
      out.pop();
      continue;
    }
    const p = join(root, ...out, c);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined;
      const t = readlinkSync(p);
      if (t.startsWith('/')) out.length = 0;
      queue.unshift(...t.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    out.push(c);
    if (!queue.length) return st.isFile() && st.size <= maxSize ? readFileSync(p, 'utf8') : undefined;
    if (!st.isDirectory()) return undefined;
  }
  return undefined;
}
