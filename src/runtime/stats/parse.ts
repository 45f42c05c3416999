// Parsers of the kernel's statistics files, text in and typed values out (no
// file access: test/runtime/stats-parse.test.ts feeds them what the files
// held on the hosts runts runs on). Numbers are read as runc reads them.

import type { BlkioEntry, Misc, NetworkInterface, PSIData, PSIStats, RdmaEntry, U64 } from './types.ts';

export const U64_MAX = (1n << 64n) - 1n;

/** The kernel's clock ticks per second (USER_HZ), in which cpuacct.stat counts: 100 on Linux, as runc takes it. */
const CLOCK_TICKS = 100n;

export class StatsParseError extends Error {}

/** A counter as runc reads one: "max" is the largest uint64, a negative number is 0. */
export function parseU64(text: string): U64 {
  const t = text.trim();
  if (t === 'max') return U64_MAX;
  if (/^\d+$/.test(t)) return BigInt(t);
  if (/^-\d+$/.test(t)) return 0n;
  throw new StatsParseError(`"${t}" is not a number`);
}

/** Signed, for the one signed file (cpuset.sched_relax_domain_level). */
export function parseI64(text: string): bigint {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new StatsParseError(`"${t}" is not a number`);
  return BigInt(t);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control, cgroup.events). */
export function parseKeyed(text: string): Map<string, U64> {
  const out = new Map<string, U64>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    if (sp <= 0) throw new StatsParseError(`malformed line "${line}"`);
    out.set(line.slice(0, sp), parseU64(line.slice(sp + 1)));
  }
  return out;
}

/** Numbers separated by blanks (cpuacct.usage_percpu). */
export function parseU64List(text: string): U64[] {
  return text.split(/\s+/).filter(Boolean).map(parseU64);
}

/** cpuacct.stat ("user T\nsystem T" in clock ticks) as nanoseconds. */
export function parseCpuacctStat(text: string): { user: U64; kernel: U64 } {
  const f = text.split(/\s+/);
  if (f.length < 4 || f[0] !== 'user' || f[2] !== 'system') throw new StatsParseError(`malformed cpuacct.stat "${text.trim()}"`);
  const ns = (ticks: string) => (parseU64(ticks) * 1_000_000_000n) / CLOCK_TICKS;
  return { user: ns(f[1]), kernel: ns(f[3]) };
}

/** cpuacct.usage_all: a header, then "cpu user system" per cpu, in nanoseconds. */
export function parseCpuacctUsageAll(text: string): { kernel: U64[]; user: U64[] } {
  const kernel: U64[] = [];
  const user: U64[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.split(' ');
    if (f.length !== 3) continue;
    user.push(parseU64(f[1]));
    kernel.push(parseU64(f[2]));
  }
  return { kernel, user };
}

/** A cpu or node list ("0-3,8,10-11"), as cpuset.cpus and cpuset.mems give them. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new StatsParseError(`malformed cpu list "${text.trim()}"`);
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from) throw new StatsParseError(`malformed cpu list "${text.trim()}"`);
    for (let c = from; c <= to; c++) out.push(c);
  }
  return out;
}

/** An entry as runc encodes it: zero fields are left out (Go's omitempty). */
export function blkioEntry(major: U64, minor: U64, op: string, value: U64): BlkioEntry {
  const e: BlkioEntry = {};
  if (major) e.major = major;
  if (minor) e.minor = minor;
  if (op) e.op = op;
  if (value) e.value = value;
  return e;
}

/** A v1 blkio statistics file: "MAJ:MIN Op value" lines and a closing "Total value" (skipped). */
export function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(/[ :]/).filter(Boolean);
    if (f.length === 2 && f[0] === 'Total') continue;
    if (f.length !== 3 && f.length !== 4) throw new StatsParseError(`malformed blkio line "${line}"`);
    out.push(blkioEntry(parseU64(f[0]), parseU64(f[1]), f.length === 4 ? f[2] : '', parseU64(f[f.length - 1])));
  }
  return out;
}

/** v2's io.stat ("MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..") in v1's two
 * tables, as runc maps it: bytes and ios read and written; the rest has no v1 counterpart. */
export function parseIoStat(text: string): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...items] = line.split(' ').filter(Boolean);
    const d = dev?.split(':');
    if (!d || d.length !== 2 || items.length === 0) continue;
    const [major, minor] = [parseU64(d[0]), parseU64(d[1])];
    for (const item of items) {
      const [key, value] = item.split('=');
      const table = key === 'rbytes' || key === 'wbytes' ? serviceBytes : key === 'rios' || key === 'wios' ? serviced : undefined;
      if (table && value !== undefined) table.push(blkioEntry(major, minor, key.startsWith('r') ? 'Read' : 'Write', parseU64(value)));
    }
  }
  return { serviceBytes, serviced };
}

/** /proc/<pid>/net/dev: every interface but the loopback, whose traffic is
 * the container's own talking to itself (runc's list holds only the
 * interfaces it set up, never lo). */
export function parseNetDev(text: string): NetworkInterface[] {
  const out: NetworkInterface[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).split(/\s+/).filter(Boolean);
    if (f.length < 16) throw new StatsParseError(`malformed net/dev line "${line}"`);
    if (name === 'lo') continue;
    const n = f.map(parseU64);
    out.push({ Name: name, RxBytes: n[0], RxPackets: n[1], RxErrors: n[2], RxDropped: n[3], TxBytes: n[8], TxPackets: n[9], TxErrors: n[10], TxDropped: n[11] });
  }
  return out;
}

/** Page sizes as the hugetlb controller names its files ("2MB", "1GB"), from
 * the entries of /sys/kernel/mm/hugepages ("hugepages-2048kB"). */
export function hugePageSizes(entries: string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const m = /^hugepages-(\d+)kB$/.exec(e);
    if (!m) continue;
    const kb = Number(m[1]);
    out.push(kb >= 1 << 20 ? `${kb >> 20}GB` : kb >= 1 << 10 ? `${kb >> 10}MB` : `${kb}KB`);
  }
  return out;
}

/** A pressure file: "some avg10=0.12 avg60=0.05 avg300=0.01 total=12345" and a
 * "full" line (cpu.pressure's is all zeros on a cgroup below the root). A
 * line of zeros is left out, as runc's omitzero leaves it. */
export function parsePsi(text: string): PSIStats {
  const out: PSIStats = {};
  for (const line of text.split('\n')) {
    const [kind, ...items] = line.split(' ').filter(Boolean);
    if (kind !== 'some' && kind !== 'full') continue;
    const d: PSIData = { avg10: 0, avg60: 0, avg300: 0, total: 0n };
    for (const item of items) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new StatsParseError(`malformed pressure line "${line}"`);
      const [key, value] = [item.slice(0, eq), item.slice(eq + 1)];
      if (key === 'total') d.total = parseU64(value);
      else if (key === 'avg10' || key === 'avg60' || key === 'avg300') {
        if (!/^\d+(\.\d+)?$/.test(value)) throw new StatsParseError(`malformed pressure line "${line}"`);
        d[key] = Number(value);
      }
    }
    if (d.avg10 || d.avg60 || d.avg300 || d.total) out[kind] = d;
  }
  return out;
}

const U32_MAX = 2 ** 32 - 1;

/** rdma.current or rdma.max: "mlx4_0 hca_handle=2 hca_object=2000" per device; "max" is 2^32-1. */
export function parseRdma(text: string): RdmaEntry[] {
  const out: RdmaEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length !== 3) continue;
    const e: RdmaEntry = { device: parts[0] };
    for (const kv of parts.slice(1)) {
      const [key, value] = kv.split('=');
      const n = value === 'max' ? U32_MAX : /^\d+$/.test(value ?? '') && Number(value) <= U32_MAX ? Number(value) : undefined;
      if (n === undefined) throw new StatsParseError(`malformed rdma line "${line}"`);
      if (key === 'hca_handle') e.hca_handles = n;
      else if (key === 'hca_object') e.hca_objects = n;
    }
    // Zeros left out, as runc's omitzero.
    if (!e.hca_handles) delete e.hca_handles;
    if (!e.hca_objects) delete e.hca_objects;
    out.push(e);
  }
  return out;
}

/** misc.current ("sev 1") and misc.events ("sev.max 0") by resource, as runc
 * merges them (a resource in either file is listed; zeros left out). */
export function parseMisc(current: string, events: string | undefined): Record<string, Misc> {
  const out = new Map<string, Misc>();
  const add = (key: string, field: keyof Misc, value: U64) => {
    const e = out.get(key) ?? {};
    if (value) e[field] = value;
    out.set(key, e);
  };
  for (const [k, v] of parseKeyed(current)) add(k, 'usage', v);
  for (const [k, v] of parseKeyed(events ?? '')) add(k.replace(/\.max$/, ''), 'events', v);
  // Go prints a map's keys sorted.
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
