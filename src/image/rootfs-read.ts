// Reading an untrusted root filesystem from the host: symlinks are followed
// as the container would see them (absolute targets and ".." stay inside the
// root), so /etc/passwd -> /host/secret reads nothing of the host.

import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The host path of path inside root, every symlink followed within root; undefined if it does not exist. */
export function resolveInRoot(root: string, path: string): string | undefined {
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
    if (queue.length && !st.isDirectory()) return undefined;
    out.push(c);
  }
  return join(root, ...out);
}

export function readInRoot(root: string, path: string, maxSize = 1 << 20): string | undefined {
  const p = resolveInRoot(root, path);
  if (!p) return undefined;
  const st = lstatSync(p);
  return st.isFile() && st.size <= maxSize ? readFileSync(p, 'utf8') : undefined;
}
