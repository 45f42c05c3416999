// The overlayfs snapshotter: each layer is its own directory (whiteouts in
// overlay form), a container gets upper/ and work/ and a mount stacking the
// chain. Lower paths are given relative to layers/ (mount runs there) to keep
// the option string under the kernel's one-page limit.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest } from '../digest.ts';
import { SnapshotError } from '../errors.ts';
import { Snapshotter, type Mounted } from './snapshotter.ts';

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

  async mount(key: string, chainId: string, target: string): Promise<Mounted> {
    const lowers = this.chain(chainId).map((c) => `${parseDigest(c).encoded}/fs`);
    const active = this.claimActive(key);
    try {
      mkdirSync(join(active, 'upper'));
      mkdirSync(join(active, 'work'));
      writeFileSync(join(active, 'parent'), chainId);
      mkdirSync(target, { recursive: true });
      const options = `lowerdir=${lowers.join(':')},upperdir=${join(active, 'upper')},workdir=${join(active, 'work')}`;
      if (options.length > MAX_OPTIONS) throw new SnapshotError(key, `${lowers.length} layers are too many for one overlay mount`);
      const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { cwd: join(this.root, 'layers'), encoding: 'utf8' });
      if (r.status !== 0) throw new SnapshotError(key, `mount overlay on ${target}: ${(r.stderr || r.error?.message || '').trim()}`);
      return { rootfs: target };
    } catch (e) {
      rmSync(active, { recursive: true, force: true });
      throw e;
    }
  }

  async unmount(key: string, target: string): Promise<void> {
    if (isMountPoint(target)) execFileSync('umount', [target]);
    rmSync(join(this.root, 'active', key), { recursive: true, force: true });
  }
}

export function isMountPoint(path: string): boolean {
  if (!existsSync(path)) return false;
  return spawnSync('mountpoint', ['-q', path]).status === 0;
}
