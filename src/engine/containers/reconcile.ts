// The database against what is really there, at the start of every berth
// command: exits nobody recorded (a killed monitor, a reboot), creates,
// starts and removals whose berth died midway, restarts whose back-off
// sleeper died. Cheap when all is well: one query, and a stat or two per
// container. One container that cannot be repaired is warned about and left
// for the next command; it never stops this one.

import { existsSync, rmSync } from 'node:fs';
import { tryLock, unlock, withLock } from '../../image/store/lock.ts';
import { readExitRecord } from '../../runtime/monitor.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerRow } from '../store/containers.ts';
import { deleteRuntimeContainer, discardContainer } from './discard.ts';
import { cleanupLocked, hasExited, restartLocked } from './exit.ts';
import { healthEnabled } from '../health/config.ts';
import { initialHealth } from '../health/state.ts';
import { releaseOrphanMounts } from '../volumes/service.ts';

/** A restart left waiting longer than the longest back-off lost its sleeper. */
const RESTART_LOST_MS = 65_000;

export async function reconcile(ctx: EngineContext): Promise<void> {
  for (const row of ctx.containers.list()) {
    try {
      await reconcileOne(ctx, row);
    } catch (e) {
      ctx.warn(`container ${row.name}: could not be reconciled (the next command tries again): ${(e as Error).message}`);
    }
  }
  await releaseOrphanMounts(ctx);
}

async function reconcileOne(ctx: EngineContext, row: ContainerRow): Promise<void> {
  const { id } = row;
  if (row.state === 'creating' || row.state === 'removing') {
    await ifUnlocked(ctx, id, async (now) => {
      // An abandoned create's anonymous volumes are nobody's; an abandoned rm's may have been asked to stay.
      if (now.state === 'creating' || now.state === 'removing') await discardContainer(ctx, id, { volumes: now.state === 'creating' });
    });
  } else if ((row.state === 'running' || row.state === 'paused') && hasExited(ctx, row)) {
    // No back-off here: this exit went unseen (a killed monitor, a reboot), and no command should sleep on it.
    await withLock(ctx.lockPath(id), async () => {
      const { restartInMs } = await cleanupLocked(ctx, id);
      if (restartInMs !== undefined) await restartLocked(ctx, id);
    });
  } else if (row.state === 'restarting' && Date.now() - Date.parse(row.finishedAt ?? row.createdAt) > RESTART_LOST_MS) {
    await ifUnlocked(ctx, id, () => restartLocked(ctx, id));
  } else if ((row.state === 'created' || row.state === 'exited') && existsSync(ctx.monitorDir(id))) {
    // A start whose berth died after the runtime container was made: a monitor
    // directory outlives a stopped container only until its cleanup deletes both.
    await ifUnlocked(ctx, id, (now) => (now.state === 'created' || now.state === 'exited' ? finishStart(ctx, now) : undefined));
  }
}

/** fn with the container's lock and its row as it is now, unless another berth holds the lock (it is at work on it). */
async function ifUnlocked(ctx: EngineContext, id: string, fn: (now: ContainerRow) => Promise<void> | void): Promise<void> {
  const lock = tryLock(ctx.lockPath(id));
  if (!lock) return;
  try {
    const now = ctx.containers.get(id);
    if (now) await fn(now);
  } finally {
    unlock(lock, true);
  }
}

/**
 * Completes or undoes a start that died midway: a container the runtime
 * started (running, or exited since) is adopted as running, and its exit, if
 * any, cleaned up as any other; one made but never started is deleted with
 * its monitor.
 */
async function finishStart(ctx: EngineContext, row: ContainerRow): Promise<void> {
  const status = ctx.runtimeFor(row.config.runtime).status(row.id);
  const started = status ? status.status !== 'created' && status.status !== 'creating' : readExitRecord(ctx.monitorDir(row.id)) !== undefined;
  if (!started) {
    await deleteRuntimeContainer(ctx, row, true);
    rmSync(ctx.monitorDir(row.id), { recursive: true, force: true });
    return;
  }
  ctx.containers.update(row.id, {
    state: 'running', pid: status?.pid ?? 0, startedAt: new Date().toISOString(), finishedAt: undefined, exitCode: undefined, error: undefined, stoppedByUser: false,
    health: healthEnabled(row.config.health) ? initialHealth() : undefined,
  });
  ctx.events.add('container', 'start', row.id, { name: row.name, image: row.image });
  const { restartInMs } = await cleanupLocked(ctx, row.id);
  if (restartInMs !== undefined) await restartLocked(ctx, row.id);
}
