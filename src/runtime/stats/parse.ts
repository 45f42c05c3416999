// Parsers of the kernel's statistics files, text in and typed values out (no
// file access: test/runtime/stats-parse.test.ts feeds them what the files
// held on the hosts runts runs on). Numbers are read as runc reads them.

import type { BlkioEntry, NetworkInterface, U64 } from './types.ts';

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
