// How much one layer may unpack to. A layer is untrusted input: its
// compressed size says nothing of what it expands to, and a small archive
// of empty files can use up every inode. The defaults stay well below what
// the store's filesystem has free, so a hostile layer fails with a clear
// error instead of filling the disk.

import { statfsSync } from 'node:fs';

export interface UnpackLimits {
  /** Uncompressed bytes of one layer (its tar stream). */
  maxLayerSize: number;
  /** Entries (files, directories, links...) of one layer. */
  maxLayerEntries: number;
}

const GiB = 1024 ** 3;
export const MAX_LAYER_SIZE = 64 * GiB;
export const MAX_LAYER_ENTRIES = 4_000_000;

/** min(64 GiB, half the free space) and min(4 million, half the free inodes) of the filesystem holding dir. */
export function defaultLimits(dir: string): UnpackLimits {
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  // Filesystems without an inode table (btrfs) report none at all.
  const inodes = fs.files > 0 ? fs.ffree : Infinity;
  return {
    maxLayerSize: Math.min(MAX_LAYER_SIZE, Math.floor(free / 2)),
    maxLayerEntries: Math.min(MAX_LAYER_ENTRIES, Math.floor(inodes / 2)),
  };
}

/** The defaults for dir, with what the caller set (the service's, then a call's own) on top. */
export function resolveLimits(dir: string, ...set: (Partial<UnpackLimits> | undefined)[]): UnpackLimits {
  const out = defaultLimits(dir);
  for (const s of set) {
    if (s?.maxLayerSize !== undefined) out.maxLayerSize = s.maxLayerSize;
    if (s?.maxLayerEntries !== undefined) out.maxLayerEntries = s.maxLayerEntries;
  }
  return out;
}
