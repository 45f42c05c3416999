// The plain-copy snapshotter, for where overlayfs is unavailable: each
// snapshot is a full tree (its parent copied, the layer applied on top), and
// a container gets its own copy, shown by a bind mount (or used in place as a
// bundle's root path, which needs no mount at all). cp -a keeps hardlinks,
// devices and xattrs.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotError } from '../errors.ts';
import { activeDir, Snapshotter, type SnapshotMount } from './snapshotter.ts';

function copyTree(from: string, to: string): void {
  // node:child_process on use: loading it costs every berth process a few ms, and overlay hosts never copy.
  process.getBuiltinModule('node:child_process').execFileSync('cp', ['-a', '--reflink=auto', '--no-target-directory', from, to], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class CopySnapshotter extends Snapshotter {
  readonly kind = 'copy' as const;
  readonly whiteouts = 'apply' as const;

  protected async seed(dir: string, parent: string | undefined): Promise<void> {
    if (parent && !this.has(parent)) throw new SnapshotError(dir, `parent ${parent} does not exist`);
    if (parent) copyTree(join(this.layerDir(parent), 'fs'), dir);
    else mkdirSync(dir);
  }

  async prepare(key: string, chainId: string): Promise<SnapshotMount[]> {
    if (!this.has(chainId)) throw new SnapshotError(key, `layer snapshot ${chainId} is missing`);
    const active = this.claimActive(key);
    try {
      writeFileSync(join(active, 'parent'), chainId);
      copyTree(join(this.layerDir(chainId), 'fs'), join(active, 'fs'));
      return this.mounts(key);
    } catch (e) {
      rmSync(active, { recursive: true, force: true });
      throw new SnapshotError(key, `copy: ${(e as Error).message}`, { cause: e });
    }
  }

  mounts(key: string): SnapshotMount[] {
    const fs = join(activeDir(this.root, key), 'fs');
    if (!existsSync(fs)) throw new SnapshotError(key, 'no such active snapshot');
    return [{ type: 'bind', source: fs, options: ['rbind', 'rw'] }];
  }

  changesDir(key: string): string {
    return join(activeDir(this.root, key), 'fs');
  }
}
