// pause and unpause: the runtime freezes and thaws the container's cgroup;
// the row says "paused" meanwhile, so ps and inspect show it without asking
// the runtime.

import { withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';

export async function pauseContainer(ctx: EngineContext, id: string): Promise<void> {
  await withLock(ctx.lockPath(id), async () => {
    const row = ctx.containers.get(id);
    if (!row) throw new ConflictError(`container ${id} was removed meanwhile`);
    if (row.state === 'paused') throw new ConflictError(`container ${row.name} is already paused`);
    if (row.state !== 'running') throw new ConflictError(`container ${row.name} is not running`);
    await ctx.runtimeFor(row.config.runtime).pause(id);
    ctx.containers.update(id, { state: 'paused' });
    ctx.events.add('container', 'pause', id, { name: row.name, image: row.image });
  });
}

export async function unpauseContainer(ctx: EngineContext, id: string): Promise<void> {
  await withLock(ctx.lockPath(id), async () => {
    const row = ctx.containers.get(id);
    if (!row) throw new ConflictError(`container ${id} was removed meanwhile`);
    if (row.state !== 'paused') throw new ConflictError(`container ${row.name} is not paused`);
    await ctx.runtimeFor(row.config.runtime).resume(id);
    ctx.containers.update(id, { state: 'running' });
    ctx.events.add('container', 'unpause', id, { name: row.name, image: row.image });
  });
}

/** After a signal to a paused container, as Docker: thawed, so its processes can take the signal and exit. */
export async function thawAfterSignal(ctx: EngineContext, row: ContainerRow): Promise<void> {
  if (row.state !== 'paused') return;
  try {
    await ctx.runtimeFor(row.config.runtime).resume(row.id);
    ctx.containers.update(row.id, { state: 'running' });
  } catch {
    // gone meanwhile, or thawed by the runtime's SIGKILL
  }
}
