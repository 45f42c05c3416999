// Undoing a container wholly, whatever state it was left in: its runtime
// container (killed), its rootfs mount and snapshot, its directory and its
// row. Used by rm, by a failed create, and by reconciliation of a berth that
// died midway; every step tolerates what is already gone.

import { existsSync, rmSync } from 'node:fs';
import type { EngineContext } from '../context.ts';
import { unmountRootfs } from './rootfs.ts';

export async function discardContainer(ctx: EngineContext, id: string): Promise<void> {
  await deleteRuntimeContainer(ctx, id, true);
  unmountRootfs(ctx, id);
  ctx.images.snapshots.removeActive(id);
  const dir = ctx.containerDir(id);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  ctx.containers.delete(id);
}

/** Deletes the runtime's container (and so its monitor directory) if there is one. */
export async function deleteRuntimeContainer(ctx: EngineContext, id: string, force: boolean): Promise<void> {
  try {
    ctx.runtime.state(id);
  } catch {
    return;
  }
  await ctx.runtime.delete(id, force);
}
