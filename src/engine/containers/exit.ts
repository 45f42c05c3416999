// A container's exit, as the monitor recorded it: the status into the
// database, the runtime container deleted, then the restart policy or --rm.
// Run by the monitor's exit command (`berth container cleanup ID`), by a
// foreground run, by stop, and by reconciliation; whoever comes first does
// it, under the container's lock, and the others find nothing to do.

import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../image/store/lock.ts';
import { readExitRecord } from '../../runtime/monitor.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerRow } from '../store/containers.ts';
import { releaseVolumes } from '../volumes/service.ts';
import { deleteRuntimeContainer, discardContainer } from './discard.ts';
import { startLocked } from './start.ts';
import { sweepTrash } from './trash.ts';

/** Status recorded when the exit status is lost: the monitor was killed, or the machine rebooted. */
export const LOST_STATUS = 255;


/**
 * True if the container has exited, so cleanup has work: its exit recorded,
 * or its init gone with no monitor left to record it. An init gone while its
 * monitor still runs is not yet: the monitor is taking the last output and
 * is about to write the exit.
 */
export function hasExited(ctx: EngineContext, row: ContainerRow): boolean {
  if (row.state !== 'running' && row.state !== 'paused') return false;
  if (readExitRecord(ctx.monitorDir(row.id))) return true;
  const runtime = ctx.runtimeFor(row.config.runtime);
  const s = runtime.status(row.id);
  return s === undefined || (s.status === 'stopped' && !runtime.monitorAlive(row.id));
}

/**
 * Records the exit and applies the policy; the caller holds the lock. A
 * restart is due after the returned delay (Docker's back-off: 100 ms,
 * doubling per restart, at most a minute, from 100 ms again after a run of
 * ten seconds); the container reads "restarting" meanwhile.
 */
export async function cleanupLocked(ctx: EngineContext, id: string, opts: CleanupOptions = {}): Promise<{ restartInMs?: number }> {
  const row = ctx.containers.get(id);
  if (!row || !hasExited(ctx, row)) return {};
  const exit = readExitRecord(ctx.monitorDir(id));
  await deleteRuntimeContainer(ctx, row, true);
  const exitCode = exit?.status ?? LOST_STATUS;
  const finishedAt = exit?.exitedAt ?? new Date().toISOString();
  const exited = {
    state: 'exited' as const, pid: 0, exitCode, finishedAt,
    ...(!exit && { error: 'the exit status was lost: the container outlived its monitor, or the machine restarted' }),
  };
  // One update: a wait that saw "exited" between the exit and the restart would end early.
  const restart = shouldRestart({ ...row, ...exited });
  ctx.containers.update(id, restart ? { ...exited, state: 'restarting', restartCount: row.restartCount + 1 } : exited);
  ctx.events.add('container', 'die', id, { name: row.name, image: row.image, exitCode: String(exitCode) });
  await releaseVolumes(ctx, id);
  if (restart) {
    const ranMs = Date.parse(finishedAt) - Date.parse(row.startedAt ?? finishedAt);
    return { restartInMs: ranMs >= 10_000 ? 100 : Math.min(100 * 2 ** Math.min(row.restartCount, 10), 60_000) };
  }
  if (row.config.autoRemove) {
    // --rm takes the anonymous volumes with it, as Docker's.
    await discardContainer(ctx, id, { volumes: true, defer: opts.deferRemoval });
    ctx.events.add('container', 'destroy', id, { name: row.name });
  }
  return {};
}

export interface CleanupOptions {
  /** --rm moves the container's files to the trash instead of deleting them (a foreground
   * run, whose exit command comes next and sweeps: trash.ts). */
  deferRemoval?: boolean;
}

/** cleanupLocked under the lock, then the restart it asks for, if nobody stopped or removed the container meanwhile. */
export async function cleanup(ctx: EngineContext, id: string, opts: CleanupOptions = {}): Promise<void> {
  const { restartInMs } = await withLock(ctx.lockPath(id), () => cleanupLocked(ctx, id, opts));
  // The exit command of a foreground run --rm, which left its files here.
  if (!opts.deferRemoval) sweepTrash(ctx);
  if (restartInMs === undefined) return;
  await sleep(restartInMs);
  await withLock(ctx.lockPath(id), () => restartLocked(ctx, id));
}

/**
 * The restart a policy asked for, if the container still waits for it (a
 * stop meanwhile made it "exited"); the caller holds the lock. A restart
 * that fails is recorded on the container, not thrown: the caller is an
 * exit command or another command's reconciliation, which has work of its own.
 */
export async function restartLocked(ctx: EngineContext, id: string): Promise<void> {
  const row = ctx.containers.get(id);
  if (row?.state !== 'restarting') return;
  if (row.stoppedByUser) {
    ctx.containers.update(id, { state: 'exited' });
    return;
  }
  try {
    await startLocked(ctx, row);
    ctx.events.add('container', 'restart', id, { name: row.name });
  } catch (e) {
    ctx.containers.update(id, { state: 'exited', error: `restart failed: ${(e as Error).message}` });
  }
}

export function shouldRestart(row: ContainerRow): boolean {
  const p = row.config.restart;
  if (!p || p.name === 'no' || row.stoppedByUser) return false;
  if (p.name === 'always' || p.name === 'unless-stopped') return true;
  return (row.exitCode ?? 0) !== 0 && (p.maxRetries === undefined || p.maxRetries === 0 || row.restartCount < p.maxRetries);
}
