// Undoing a container wholly, whatever state it was left in: its runtime
// container (killed), its rootfs mount and snapshot, its directory and its
// row (and with it its volume links), its volumes' mounts that nothing else
// holds, and, when asked, its anonymous volumes. Used by rm, by a failed
// create, and by reconciliation of a berth that died midway; every step
// tolerates what is already gone.

import { rmSync } from 'node:fs';
import type { EngineContext } from '../context.ts';
import type { ContainerRow } from '../store/containers.ts';
import { releaseVolumes, removeUnused, volumeStore } from '../volumes/service.ts';
import { unmountRootfs } from './rootfs.ts';
import { failpoint } from '../failpoint.ts';
import { sweepTrash, trash } from './trash.ts';

export interface DiscardOptions {
  /** Remove its anonymous volumes (rm -v, --rm, a failed or abandoned create). */
  volumes?: boolean;
  /** Volumes to remove as well if unused: those a failed create made. */
  alsoRemove?: string[];
  /** Its directory and snapshot are moved to the trash, deleted by a later sweep (trash.ts);
   * without, they are deleted now, with whatever the trash holds. */
  defer?: boolean;
}

export async function discardContainer(ctx: EngineContext, id: string, opts: DiscardOptions = {}): Promise<void> {
  const vols = volumeStore(ctx).of(id);
  const row = ctx.containers.get(id);
  if (row) await deleteRuntimeContainer(ctx, row, true);
  // A monitor directory the runtime no longer knows of (its state went first).
  rmSync(ctx.monitorDir(id), { recursive: true, force: true });
  failpoint('discard-after-runtime');
  unmountRootfs(ctx, id);
  failpoint('discard-after-unmount');
  if (opts.defer) {
    ctx.images.snapshots.retireActive(id);
    failpoint('discard-after-snapshot');
    trash(ctx, ctx.containerDir(id), id);
  } else {
    ctx.images.snapshots.removeActive(id);
    failpoint('discard-after-snapshot');
    rmSync(ctx.containerDir(id), { recursive: true, force: true });
    sweepTrash(ctx);
  }
  ctx.containers.delete(id);
  await releaseVolumes(ctx, id, vols);
  if (opts.volumes) await removeUnused(ctx, [...new Set([...vols.filter((v) => v.anonymous).map((v) => v.name), ...(opts.alsoRemove ?? [])])]);
}

/** Deletes the runtime's container and its monitor, if there are any. */
export async function deleteRuntimeContainer(ctx: EngineContext, row: ContainerRow, force: boolean): Promise<void> {
  await ctx.runtimeFor(row.config.runtime).delete(row.id, force);
}
