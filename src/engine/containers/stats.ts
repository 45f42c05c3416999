// berth stats: the runtime's statistics (runc's shape, read from the
// container's cgroups) in Docker's terms. CPU % needs two readings: the
// container's CPU time over the host's in between, times the CPUs online, as
// Docker computes it; memory usage leaves out the inactive page cache, as
// Docker's does, and an unlimited container's limit is the host's memory.

import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stats } from '../../runtime/stats/types.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerRow } from '../store/containers.ts';

export interface ContainerStats {
  id: string;
  name: string;
  /** When the second reading was taken (ISO 8601). */
  read: string;
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryPercent: number;
  pids: number;
  blockRead: number;
  blockWrite: number;
  netRx: number;
  netTx: number;
  /** The runtime's statistics as read (absent for a container that is not running). */
  raw?: Stats;
}

export interface StatsOptions {
  /** A reading every intervalMs until the consumer stops (default: one, from two readings intervalMs apart). */
  stream?: boolean;
  /** Default 1000, as Docker's. */
  intervalMs?: number;
  signal?: AbortSignal;
}

interface Reading {
  stats?: Stats;
  /** The host's CPU time (all CPUs, nanoseconds) when read. */
  systemNs: number;
  at: Date;
}

/** USER_HZ: the unit of /proc/stat, 100 on every Linux that Docker supports. */
const CLOCK_TICKS = 100;

/** The host's busy and idle CPU time, as Docker sums /proc/stat's first line. */
export function systemCpuNs(procStat: string): number {
  const fields = procStat.split('\n')[0].trim().split(/\s+/);
  if (fields[0] !== 'cpu') return 0;
  return fields.slice(1, 8).reduce((n, f) => n + Number(f), 0) * (1e9 / CLOCK_TICKS);
}

function read(ctx: EngineContext, row: ContainerRow): Reading {
  let stats: Stats | undefined;
  if (row.state === 'running' || row.state === 'paused') {
    try {
      stats = ctx.runtimeFor(row.config.runtime).stats(row.id);
    } catch {
      // exited between the row and the read: zeros, as for a stopped container
    }
  }
  return { stats, systemNs: systemCpuNs(readFileSync('/proc/stat', 'utf8')), at: new Date() };
}

const num = (v: bigint | undefined): number => Number(v ?? 0n);

function blockBytes(s: Stats, op: string): number {
  return (s.blkio.ioServiceBytesRecursive ?? []).filter((e) => e.op?.toLowerCase() === op).reduce((n, e) => n + num(e.value), 0);
}

/** Docker's figures from two readings of one container. */
export function dockerStats(row: ContainerRow, prev: Reading, cur: Reading): ContainerStats {
  const s = cur.stats;
  const base = { id: row.id, name: row.name, read: cur.at.toISOString(), netRx: 0, netTx: 0 };
  if (!s) return { ...base, cpuPercent: 0, memoryUsage: 0, memoryLimit: 0, memoryPercent: 0, pids: 0, blockRead: 0, blockWrite: 0 };
  const cpuDelta = num(s.cpu.usage.total) - num(prev.stats?.cpu.usage.total);
  const sysDelta = cur.systemNs - prev.systemNs;
  const cpus = s.cpu.usage.percpu?.length || availableParallelism();
  const cpuPercent = prev.stats && sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0;
  const raw = s.memory.raw ?? {};
  const inactive = num(raw.total_inactive_file ?? raw.inactive_file);
  const usage = num(s.memory.usage.usage);
  const memoryUsage = inactive < usage ? usage - inactive : usage;
  const limit = num(s.memory.usage.limit);
  const memoryLimit = limit > 0 && limit < totalmem() ? limit : totalmem();
  let netRx = 0;
  let netTx = 0;
  for (const i of s.network_interfaces ?? []) {
    netRx += num(i.RxBytes);
    netTx += num(i.TxBytes);
  }
  return {
    ...base, netRx, netTx,
    cpuPercent, memoryUsage, memoryLimit,
    memoryPercent: memoryLimit ? (memoryUsage / memoryLimit) * 100 : 0,
    pids: num(s.pids.current),
    blockRead: blockBytes(s, 'read'),
    blockWrite: blockBytes(s, 'write'),
    raw: s,
  };
}

/**
 * Rounds of statistics for the containers `rows` gives (asked again each
 * round, so a stream follows containers coming and going): one round, or
 * one every interval while streaming.
 */
export async function* statsRounds(ctx: EngineContext, rows: () => ContainerRow[], opts: StatsOptions = {}): AsyncGenerator<ContainerStats[]> {
  const interval = opts.intervalMs ?? 1000;
  const prev = new Map<string, Reading>();
  for (const r of rows()) prev.set(r.id, read(ctx, r));
  for (;;) {
    try {
      await sleep(interval, undefined, { signal: opts.signal });
    } catch {
      return;
    }
    const round: ContainerStats[] = [];
    const seen = new Set<string>();
    for (const r of rows()) {
      const cur = read(ctx, r);
      round.push(dockerStats(r, prev.get(r.id) ?? { systemNs: cur.systemNs, at: cur.at }, cur));
      prev.set(r.id, cur);
      seen.add(r.id);
    }
    for (const id of prev.keys()) if (!seen.has(id)) prev.delete(id);
    yield round;
    if (!opts.stream) return;
  }
}
