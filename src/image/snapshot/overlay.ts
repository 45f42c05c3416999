// The overlayfs snapshotter: each layer is its own directory (whiteouts in
// overlay form), a container gets upper/ and work/ and a mount stacking the
// chain. Lower paths are given relative to layers/ (mount runs there) to keep
// the option string under the kernel's one-page limit. Mounts are system
// calls through the host addon.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostCalls } from '../../native/host.ts';
import { parseDigest } from '../digest.ts';
import { SnapshotError } from '../errors.ts';
import { activeDir, Snapshotter, type Mounted } from './snapshotter.ts';

const MAX_OPTIONS = 4000;
const UMOUNT_NOFOLLOW = 8;

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

  async mount(key: string, chainId: string, rootfs: string): Promise<Mounted> {
    // The mount runs in layers/: a relative target would land there.
    const target = resolve(rootfs);
    const lowers = this.chain(chainId).map((c) => `${parseDigest(c).encoded}/fs`);
    const active = this.claimActive(key);
    try {
      mkdirSync(join(active, 'upper'));
      mkdirSync(join(active, 'work'));
      writeFileSync(join(active, 'parent'), chainId);
      mkdirSync(target, { recursive: true });
      const options = `lowerdir=${lowers.join(':')},upperdir=${join(active, 'upper')},workdir=${join(active, 'work')}`;
      if (options.length > MAX_OPTIONS) throw new SnapshotError(key, `${lowers.length} layers are too many for one overlay mount`);
      try {
        hostCalls().mount('overlay', target, 'overlay', 0, options, join(this.root, 'layers'));
      } catch (e) {
        throw new SnapshotError(key, `mount overlay on ${target}: ${(e as Error).message}`, { cause: e });
      }
      return { rootfs: target };
    } catch (e) {
      rmSync(active, { recursive: true, force: true });
      throw e;
    }
  }

  async unmount(key: string, target: string): Promise<void> {
    const active = activeDir(this.root, key);
    try {
      hostCalls().umount2(target, UMOUNT_NOFOLLOW);
    } catch (e) {
      // EINVAL: nothing is mounted there (any more); ENOENT: nor is there anything.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOENT') throw new SnapshotError(key, `unmount ${target}: ${(e as Error).message}`, { cause: e });
    }
    rmSync(active, { recursive: true, force: true });
  }
}
