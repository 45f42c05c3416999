// The plain-copy snapshotter, for where overlayfs is unavailable: each
// snapshot is a full tree (its parent copied, the layer applied on top), and
// a container gets its own copy. cp -a keeps hardlinks, devices and xattrs.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotError } from '../errors.ts';
import { activeDir, Snapshotter, type Mounted } from './snapshotter.ts';

function copyTree(from: string, to: string): void {
  execFileSync('cp', ['-a', '--reflink=auto', '--no-target-directory', from, to], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class CopySnapshotter extends Snapshotter {
  readonly kind = 'copy' as const;
  readonly whiteouts = 'apply' as const;

  protected async seed(dir: string, parent: string | undefined): Promise<void> {
    if (parent && !this.has(parent)) throw new SnapshotError(dir, `parent ${parent} does not exist`);
    if (parent) copyTree(join(this.layerDir(parent), 'fs'), dir);
    else mkdirSync(dir);
  }

  async mount(key: string, chainId: string, target: string): Promise<Mounted> {
    if (!this.has(chainId)) throw new SnapshotError(key, `layer snapshot ${chainId} is missing`);
    const active = this.claimActive(key);
    try {
      writeFileSync(join(active, 'parent'), chainId);
      if (existsSync(target)) rmSync(target, { recursive: true });
      copyTree(join(this.layerDir(chainId), 'fs'), target);
      return { rootfs: target };
    } catch (e) {
      rmSync(target, { recursive: true, force: true });
      rmSync(active, { recursive: true, force: true });
      throw new SnapshotError(key, `copy: ${(e as Error).message}`, { cause: e });
    }
  }

  async unmount(key: string, target: string): Promise<void> {
    const active = activeDir(this.root, key);
    rmSync(target, { recursive: true, force: true });
    rmSync(active, { recursive: true, force: true });
  }
}
