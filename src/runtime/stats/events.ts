// A container's statistics and its event stream (runc's `events`): stats
// every interval and an `oom` as each OOM is seen, until the container stops.

import { hostHierarchies } from '../cgroups/hierarchy.ts';
import { type ContainerRecord, processAlive } from '../state-store.ts';
import { type OomWatch, watchOom } from './oom.ts';
import { readStats, type StatsSources, statsSources } from './read.ts';
import type { ContainerEvent, Stats } from './types.ts';

/** How often the stream checks that the init lives, and re-reads the OOM
 * counters should a wake-up have been missed. */
const POLL_MS = 250;

export function sourcesOf(rec: ContainerRecord): StatsSources {
  return statsSources(rec.cgroups.dirs, hostHierarchies());
}

/** A network namespace of its own (made or joined) has interfaces to report; the host's is not the container's. */
function ownNetwork(rec: ContainerRecord): boolean {
  return !!rec.spec.linux?.namespaces?.some((ns) => ns.type === 'network');
}

export function containerStats(rec: ContainerRecord, src = sourcesOf(rec)): Stats {
  return readStats(src, ownNetwork(rec) ? rec.pid : undefined);
}

export interface EventsOptions {
  /** Milliseconds between stats events (runc's default, 5 s). */
  intervalMs?: number;
  /** Ends the stream. */
  signal?: AbortSignal;
  /** Where a stats read that failed, or an OOM that cannot be watched, is told. */
  warn?: (msg: string) => void;
}

/** Events until the container's init is gone (or signal aborts): an `oom`
 * per OOM the kernel counts, `stats` every interval (the first after one
 * interval, as runc's ticker). */
export async function* containerEvents(rec: ContainerRecord, opts: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
  const src = sourcesOf(rec);
  const queue: ContainerEvent[] = [];
  let stopped = false;
  let waiting: (() => void) | undefined;
  const notify = () => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  let oom: OomWatch | undefined;
  const check = () => {
    if (stopped) return;
    const alive = processAlive(rec.pid, rec.pidStartTime);
    // Counted after the liveness check, so an OOM that killed the init is reported before the end.
    for (let n = oom?.take() ?? 0; n > 0; n--) queue.push({ type: 'oom', id: rec.id });
    if (!alive) stopped = true;
    if (queue.length || stopped) notify();
  };
  oom = watchOom(src, check);
  if (!oom) opts.warn?.(`container "${rec.id}" has no memory cgroup: OOMs cannot be reported`);
  const onAbort = () => {
    stopped = true;
    notify();
  };
  opts.signal?.addEventListener('abort', onAbort);
  const poll = setInterval(check, POLL_MS);
  const ticker = setInterval(() => {
    try {
      queue.push({ type: 'stats', id: rec.id, data: containerStats(rec, src) });
      notify();
    } catch (e) {
      // As runc: a failed read is logged and the next tick tries again (the container may be going).
      opts.warn?.(`stats of "${rec.id}": ${(e as Error).message}`);
    }
  }, opts.intervalMs ?? 5000);
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (stopped || opts.signal?.aborted) return;
      await new Promise<void>((r) => (waiting = r));
    }
  } finally {
    clearInterval(poll);
    clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
    oom?.close();
  }
}
