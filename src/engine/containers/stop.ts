// stop, kill, wait: signals through the runtime, the exit awaited on the
// database row and the monitor's exit file (whichever moves first).

import { existsSync, type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../image/store/lock.ts';
import { parseSignal } from '../../oci/linux.ts';
import { EXIT_FILE } from '../../runtime/monitor.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, InvalidArgumentError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';
import { cleanup, hasExited } from './exit.ts';
import { thawAfterSignal } from './pause.ts';

const POLL_MS = 10;

function isLive(row: ContainerRow | undefined): boolean {
  return row?.state === 'running' || row?.state === 'paused';
}

export function checkSignal(sig: string | number, field = '--signal'): number {
  const n = parseSignal(sig);
  if (n === undefined) throw new InvalidArgumentError(field, `"${sig}" is not a signal`);
  return n;
}

/** The stop signal: the container's own, else the image's (recorded in the spec's annotations), else SIGTERM. */
export function stopSignalOf(row: ContainerRow, imageStopSignal: string | undefined): string {
  return row.config.stopSignal ?? imageStopSignal ?? 'SIGTERM';
}

/** Waits until the container has exited (true) or timeoutMs passed (false), cleaning up once it has. */
export async function awaitExit(ctx: EngineContext, id: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const row = ctx.containers.get(id);
    if (!isLive(row)) return true;
    if (hasExited(ctx, row!)) {
      await cleanup(ctx, id);
      return true;
    }
    if (Date.now() >= end) return false;
    await sleep(POLL_MS);
  }
}

export async function killContainer(ctx: EngineContext, row: ContainerRow, signal: string | number = 'SIGKILL'): Promise<void> {
  const sig = checkSignal(signal);
  if (!(await markStopped(ctx, row.id))) throw new ConflictError(`container ${row.name} is not running`);
  ctx.runtimeFor(row.config.runtime).kill(row.id, sig, true);
  await thawAfterSignal(ctx, row);
  ctx.events.add('container', 'kill', row.id, { name: row.name, signal: String(sig) });
}

/**
 * Marks a stop by the user, under the lock so that no exit's cleanup decides
 * on a restart in between: a container waiting out its back-off is left
 * exited at once (false: nothing to signal), a live one is marked (true).
 */
async function markStopped(ctx: EngineContext, id: string): Promise<boolean> {
  return withLock(ctx.lockPath(id), () => {
    const row = ctx.containers.get(id);
    if (row?.state === 'restarting') ctx.containers.update(id, { state: 'exited', stoppedByUser: true });
    if (!isLive(row)) return false;
    ctx.containers.update(id, { stoppedByUser: true });
    return true;
  });
}

/** Docker's stop: the stop signal, then SIGKILL after timeoutS; a stopped container is left as it is. */
export async function stopContainer(ctx: EngineContext, row: ContainerRow, timeoutS: number, signal: string): Promise<void> {
  const sig = checkSignal(signal);
  if (!(await markStopped(ctx, row.id))) return;
  try {
    // The init alone, as Docker: it may pass the signal on to its own.
    ctx.runtimeFor(row.config.runtime).kill(row.id, sig, false);
  } catch {
    // already gone
  }
  await thawAfterSignal(ctx, row);
  if (!(await awaitExit(ctx, row.id, timeoutS * 1000))) {
    try {
      ctx.runtimeFor(row.config.runtime).kill(row.id, 9, true);
    } catch {
      // already gone
    }
    await awaitExit(ctx, row.id, 30_000);
  }
  ctx.events.add('container', 'stop', row.id, { name: row.name });
}

/** Docker's wait: the exit code once the container is not running (a restart in between keeps waiting). */
export async function waitContainer(ctx: EngineContext, id: string): Promise<number> {
  for (;;) {
    const row = ctx.containers.get(id);
    if (!row) throw new ConflictError(`container ${id} was removed while waited for`);
    if (row.state === 'created' || row.state === 'exited' || row.state === 'dead') return row.exitCode ?? 0;
    if (isLive(row) && hasExited(ctx, row)) await cleanup(ctx, id);
    else await exitFileOrTimeout(ctx.monitorDir(id), POLL_MS * 5);
  }
}

/** Resolves once the monitor's exit file is in dir, or after ms: a waiter hears of
 * the exit at once instead of at its next poll (a library's run+wait took a poll
 * period longer than the container). */
function exitFileOrTimeout(dir: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      watcher = watch(dir, (_, name) => {
        if (name === EXIT_FILE) done();
      });
      watcher.on('error', done);
    } catch {
      // No monitor directory (a restart's back-off): the timeout polls.
      return;
    }
    // Written before the watch began.
    if (existsSync(join(dir, EXIT_FILE))) done();
  });
}
