// berth logs: the CRI log the monitor writes (it outlives the monitor and
// any berth), read back as `docker logs` selects it; following polls the
// files until the container stops, picking up where the last read ended.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLine, type LogLine, logFileNames, logLines, selectLines } from '../../runtime/cri-log.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError } from '../errors.ts';
import { nowNs, type TimeArg, toNs } from '../time.ts';
import { LOG_FILE } from './start.ts';

export interface LogOptions {
  follow?: boolean;
  since?: TimeArg;
  until?: TimeArg;
  /** The last n lines only (before following). */
  tail?: number;
  /** Each entry's `output` starts with its time, as `logs -t`. */
  timestamps?: boolean;
  /** How often a follow reads the files again (default 100 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface LogEntry extends LogLine {
  /** The line as `logs` prints it (newline included unless partial). */
  output: string;
}

function readLines(ctx: EngineContext, id: string): LogLine[] {
  const row = ctx.containers.get(id);
  const names = logFileNames(join(ctx.containerDir(id), LOG_FILE), row?.config.logMaxFiles ?? 1);
  return logLines(names.map((n) => {
    try {
      return readFileSync(n, 'utf8');
    } catch {
      return ''; // not rotated that far yet, or removed with the container
    }
  }));
}

function isUp(ctx: EngineContext, id: string): boolean {
  const s = ctx.containers.get(id)?.state;
  return s === 'running' || s === 'paused' || s === 'restarting';
}

export async function* containerLogs(ctx: EngineContext, id: string, opts: LogOptions = {}): AsyncGenerator<LogEntry> {
  if (opts.tail !== undefined && !(Number.isInteger(opts.tail) && opts.tail >= 0)) throw new InvalidArgumentError('tail', `${opts.tail} is not a count of lines`);
  const now = nowNs();
  const since = toNs('since', opts.since, now);
  const until = toNs('until', opts.until, now);
  const entry = (l: LogLine): LogEntry => ({ ...l, output: formatLine(l, !!opts.timestamps) });
  let lines = selectLines(readLines(ctx, id), { since, until, tail: opts.tail });
  for (const l of lines) yield entry(l);
  if (!opts.follow) return;
  // New lines are those after the last one given (by time, then by count at that time).
  let last = lines.at(-1)?.ns ?? since ?? 0n;
  let seenAtLast = lines.filter((l) => l.ns === last).length;
  for (;;) {
    const up = isUp(ctx, id);
    lines = selectLines(readLines(ctx, id), { since: last, until });
    const fresh = [...lines.filter((l) => l.ns === last).slice(seenAtLast), ...lines.filter((l) => l.ns > last)];
    for (const l of fresh) yield entry(l);
    if (fresh.length) {
      last = fresh.at(-1)!.ns;
      seenAtLast = lines.filter((l) => l.ns === last).length;
    }
    if (!up || (until !== undefined && nowNs() >= until) || opts.signal?.aborted) return;
    try {
      await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal });
    } catch {
      return;
    }
  }
}
