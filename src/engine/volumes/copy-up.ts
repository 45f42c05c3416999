// Copy-up: a new volume starts with what the image has at its mount point,
// as Docker's. The path is resolved inside the container's root filesystem
// as the container would resolve it (symlinks, absolute ones included, stay
// inside), so an image cannot have the host's files copied into a volume.

import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
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

/** Copies the image's directory at target into data when data is empty; true if it copied. */
export function copyUp(rootfs: string, target: string, data: string): boolean {
  if (readdirSync(data).length) return false;
  const src = resolveInRoot(rootfs, target);
  if (!src || !lstatSync(src).isDirectory()) return false;
  // cp -a keeps owners, modes, times, hardlinks, devices and xattrs, and never follows a symlink inside the tree.
  execFileSync('cp', ['-a', '--no-target-directory', src, data], { stdio: ['ignore', 'ignore', 'pipe'] });
  return true;
}
