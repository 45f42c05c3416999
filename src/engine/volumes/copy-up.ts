// Copy-up: a new volume starts with what the image has at its mount point,
// as Docker's. The path is resolved inside the container's root filesystem
// as the container would resolve it (symlinks, absolute ones included, stay
// inside), so an image cannot have the host's files copied into a volume.

import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { resolveInRoot } from '../../image/rootfs-read.ts';

/** Copies the image's directory at target into data when data is empty; true if it copied. */
export function copyUp(rootfs: string, target: string, data: string): boolean {
  if (readdirSync(data).length) return false;
  const src = resolveInRoot(rootfs, target);
  if (!src || !lstatSync(src).isDirectory()) return false;
  // cp -a keeps owners, modes, times, hardlinks, devices and xattrs, and never follows a symlink inside the tree.
  execFileSync('cp', ['-a', '--no-target-directory', src, data], { stdio: ['ignore', 'ignore', 'pipe'] });
  return true;
}
