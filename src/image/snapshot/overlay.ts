// The overlayfs snapshotter: each layer is its own directory (whiteouts in
// overlay form), a container gets upper/ and work/ and a mount stacking the
// chain. Lower paths are given relative to layers/ (the mount runs there) to
// keep the option string under the kernel's one-page limit.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest } from '../digest.ts';
import { SnapshotError } from '../errors.ts';
import { activeDir, Snapshotter, type SnapshotMount } from './snapshotter.ts';

const MAX_OPTIONS = 4000;

export function overlaySupported(): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n') && process.getuid?.() === 0;
  } catch {
    return false;
  }
}

export class OverlaySnapshotter extends Snapshotter {
  readonly kind = 'overlay' as const;
  readonly whiteouts = 'overlay' as const;

  protected async seed(dir: string): Promise<void> {
    mkdirSync(dir);
  }

  async prepare(key: string, chainId: string): Promise<SnapshotMount[]> {
    this.chain(chainId);
    const active = this.claimActive(key);
    try {
      mkdirSync(join(active, 'upper'));
      mkdirSync(join(active, 'work'));
      writeFileSync(join(active, 'parent'), chainId);
      return this.mounts(key);
    } catch (e) {
      rmSync(active, { recursive: true, force: true });
      throw e;
    }
  }

  mounts(key: string): SnapshotMount[] {
    const active = activeDir(this.root, key);
    let parent: string;
    try {
      parent = readFileSync(join(active, 'parent'), 'utf8');
    } catch {
      throw new SnapshotError(key, 'no such active snapshot');
    }
    const lowers = this.chain(parent).map((c) => `${parseDigest(c).encoded}/fs`);
    const options = [`lowerdir=${lowers.join(':')}`, `upperdir=${join(active, 'upper')}`, `workdir=${join(active, 'work')}`];
    if (options.join(',').length > MAX_OPTIONS) throw new SnapshotError(key, `${lowers.length} layers are too many for one overlay mount`);
    return [{ type: 'overlay', source: 'overlay', options, cwd: join(this.root, 'layers') }];
  }

  changesDir(key: string): string {
    return join(activeDir(this.root, key), 'upper');
  }
}
