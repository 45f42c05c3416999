// berth start: the runtime container made under a monitor of its own, which
// outlives this process, logs the container's output and runs
// `berth container cleanup ID` when it exits (exit.ts) and, with a health
// check, `berth healthcheck run ID` on its interval. Called with the
// container's lock held.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';
import { deleteRuntimeContainer } from './discard.ts';
import { withVolumesMounted } from '../volumes/service.ts';
import { mountRootfs } from './rootfs.ts';
import { monitorCgroupProcs } from '../monitor-cgroup.ts';
import { warmCgroupMoves } from '../../runtime/monitor.ts';
import { failpoint } from '../failpoint.ts';
import { healthEnabled } from '../health/config.ts';
import { initialHealth } from '../health/state.ts';
import { healthTimer } from '../health/timer.ts';

export const LOG_FILE = 'container.log';

/** Hooks between the runtime's create and start: a foreground run attaches there, so it misses no output. */
export interface StartHooks {
  created?: (monitorDir: string) => Promise<void>;
  /** The monitor runs, the container is still being made: an attach may begin here, and
   * overlap the runtime's create (it is awaited in `created`). */
  monitorStarted?: (monitorDir: string) => void;
}

export async function startLocked(ctx: EngineContext, row: ContainerRow, hooks: StartHooks = {}, warmed?: Warmed): Promise<void> {
  if (row.state === 'running' || row.state === 'paused') return;
  if (row.state !== 'created' && row.state !== 'exited' && row.state !== 'restarting') throw new ConflictError(`container ${row.name} is ${row.state}: it cannot be started`);
  const { id, config } = row;
  const dir = ctx.containerDir(id);
  mountRootfs(ctx, id, { volatile: config.autoRemove });
  // What a previous run left: its runtime container, if its cleanup never came (a killed monitor).
  await deleteRuntimeContainer(ctx, row, true);
  rmSync(ctx.monitorDir(id), { recursive: true, force: true });
  const runtime = ctx.runtimeFor(config.runtime);
  // Once: a later start reads config.json, as a start in another process does.
  const prepared = ctx.preparedSpecs.get(id);
  ctx.preparedSpecs.delete(id);
  // The health check's schedule is the monitor's: it runs `berth healthcheck run ID` on the interval.
  const timer = healthTimer(ctx.berthCommand, id, config.health);
  // Its volumes' locks are held until the row says running: an exit of another container on them
  // meanwhile would count no running user and unmount what this one is about to bind.
  await withVolumesMounted(ctx, id, async () => {
    await runtime.create(id, dir, {
      dir: ctx.monitorDir(id),
      logPath: join(dir, LOG_FILE),
      ...(config.logMaxSize !== undefined && { logMaxSize: config.logMaxSize }),
      ...(config.logMaxFiles !== undefined && { logMaxFiles: config.logMaxFiles }),
      stdin: config.openStdin ?? false,
      execConsole: true,
      exitCommand: [...ctx.berthCommand, 'container', 'cleanup', id],
      ...(timer && { timer }),
      ...(warmed?.cgroupProcs ? { cgroupProcs: warmed.cgroupProcs } : monitorCgroup(ctx)),
      ...(hooks.monitorStarted && { onStarted: () => hooks.monitorStarted!(ctx.monitorDir(id)) }),
    }, config.tty ?? false, prepared);
    failpoint('start-after-create');
    try {
      await hooks.created?.(ctx.monitorDir(id));
      await runtime.start(id);
    } catch (e) {
      await runtime.delete(id, true);
      throw e;
    }
    failpoint('start-after-start');
    const pid = runtime.status(id)?.pid ?? 0;
    ctx.containers.update(id, {
      state: 'running', pid, startedAt: new Date().toISOString(), finishedAt: undefined, exitCode: undefined, error: undefined, stoppedByUser: false,
      health: healthEnabled(config.health) ? initialHealth() : undefined,
    });
  });
  ctx.events.add('container', 'start', id, { name: row.name, image: row.image });
}

/**
 * Monitors live in a cgroup of their own (/berth-monitors, as Podman keeps
 * conmon apart), so the end of the session scope of the CLI that started one
 * does not take it down. A rootless engine that may not make it does without.
 */
/** A warmer (warmCgroupMoves) for a start to come, and the monitors' cgroup it is in. */
export interface Warmed {
  stop(): void;
  cgroupProcs?: string[];
}

/** The warmer in the monitors' cgroup; none where that cgroup cannot be had (the start warns). */
export function warmStart(ctx: EngineContext): Warmed {
  if (ctx.runtime.rootless) return { stop: () => {} };
  let cgroupProcs: string[];
  try {
    cgroupProcs = monitorCgroupProcs();
  } catch {
    return { stop: () => {} };
  }
  return { stop: warmCgroupMoves(cgroupProcs), cgroupProcs };
}

function monitorCgroup(ctx: EngineContext): { cgroupProcs?: string[] } {
  if (ctx.runtime.rootless) return {};
  try {
    return { cgroupProcs: monitorCgroupProcs() };
  } catch (e) {
    ctx.warn(`monitors stay in berth's own cgroup: ${(e as Error).message}`);
    return {};
  }
}
