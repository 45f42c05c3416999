// `berth healthcheck run ID`: one probe of a running container's health
// check, run inside it through the runtime library's exec (its environment,
// user and working directory, stdout and stderr into one socket), killed
// when it outlives its timeout, its result recorded in the container's row
// and a health_status event when the status changes. The container's monitor
// runs this command on the check's interval (its timer), so no daemon is
// needed; a user may run it by hand too.

import { closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { streamPairs } from '../stream-pair.ts';
import { readSpec } from '../containers/inspect.ts';
import type { ContainerRow, HealthState } from '../store/containers.ts';
import { healthEnabled, healthSchedule, probeArgs } from './config.ts';
import { applyResult, goDuration, initialHealth, limitOutput, MAX_OUTPUT_BYTES, type ProbeResult } from './state.ts';

/** After the probe's exit, how long output still in flight (a child of the probe holding the socket) is waited for. */
const DRAIN_MS = 200;

export async function runHealthcheck(ctx: EngineContext, row: ContainerRow): Promise<HealthState> {
  const h = row.config.health;
  if (!healthEnabled(h)) throw new ConflictError(`container ${row.name} has no health check`);
  if (row.state !== 'running') throw new ConflictError(`container ${row.name} is not running`);
  const schedule = healthSchedule(h);
  const result = await probe(ctx, row, probeArgs(h), schedule.timeoutMs);
  return withLock(ctx.lockPath(row.id), () => {
    const now = ctx.containers.get(row.id);
    // Stopped or started again meanwhile: this probe was of a run that is over.
    if (now?.state !== 'running' || now.startedAt !== row.startedAt) throw new ConflictError(`container ${row.name} stopped while its health was checked`);
    const prev = now.health ?? initialHealth();
    const next = applyResult(prev, result, schedule, now.startedAt ?? result.start);
    ctx.containers.update(row.id, { health: next });
    if (next.status !== prev.status) ctx.events.add('container', `health_status: ${next.status}`, row.id, { name: row.name, image: row.image });
    return next;
  });
}

async function probe(ctx: EngineContext, row: ContainerRow, args: string[], timeoutMs: number): Promise<ProbeResult> {
  const base = readSpec(ctx, row.id)?.process;
  if (!base) throw new ConflictError(`container ${row.name} has no process configuration to run its health check with`);
  const proc = structuredClone(base);
  proc.args = args;
  proc.terminal = false;
  delete proc.consoleSize;
  const start = new Date().toISOString();
  const [{ fd: theirs, socket }] = await streamPairs(ctx.runRoot, 1);
  const chunks: Buffer[] = [];
  let size = 0;
  const ended = new Promise<void>((resolve) => socket.on('end', resolve).on('close', resolve).on('error', () => resolve()));
  socket.on('data', (d: Buffer) => {
    // One byte past the limit is enough to know there was more.
    if (size <= MAX_OUTPUT_BYTES) chunks.push(d);
    size += d.length;
  });
  let exitCode: number;
  let output: string | undefined;
  try {
    let started;
    try {
      started = await ctx.runtimeFor(row.config.runtime).exec(row.id, { process: proc, detach: false, stdio: ['ignore', theirs, theirs] });
    } finally {
      closeSync(theirs);
    }
    const timedOut = Symbol('timeout');
    const timer = new AbortController();
    const exit = await Promise.race([started.exit!, sleep(timeoutMs, timedOut, { signal: timer.signal }).catch(() => timedOut)]);
    timer.abort();
    if (exit === timedOut) {
      try {
        process.kill(started.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      exitCode = -1;
      output = `Health check exceeded timeout (${goDuration(timeoutMs)})`;
    } else {
      exitCode = exit as number;
      await Promise.race([ended, sleep(DRAIN_MS)]);
    }
  } catch (e) {
    // The probe could not be started (no such program, a container gone): a failure, as Docker records it.
    exitCode = -1;
    output = (e as Error).message;
  } finally {
    socket.destroy();
  }
  return { start, end: new Date().toISOString(), exitCode, output: output ?? limitOutput(Buffer.concat(chunks)) };
}
