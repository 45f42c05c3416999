// A container's root filesystem: its writable snapshot, mounted at
// <container dir>/rootfs while the container exists (again after a reboot,
// at its next start).

import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { mountSnapshot, unmountSnapshot } from '../../image/snapshot/mount.ts';
import type { EngineContext } from '../context.ts';

export function rootfsPath(ctx: EngineContext, id: string): string {
  return join(ctx.containerDir(id), 'rootfs');
}

function isMountPoint(path: string): boolean {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.some((l) => l.split(' ')[4] === path);
}

export function mountRootfs(ctx: EngineContext, id: string): string {
  const target = rootfsPath(ctx, id);
  if (!isMountPoint(target)) mountSnapshot(ctx.images.snapshots.mounts(id), target);
  return target;
}

export function unmountRootfs(ctx: EngineContext, id: string): void {
  unmountSnapshot(rootfsPath(ctx, id));
}
