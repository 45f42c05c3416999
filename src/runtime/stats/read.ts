// Reads a container's statistics from its cgroup files, on v1, pure v2 and
// hybrid hosts: each controller from the v1 hierarchy that has it, else from
// the container's v2 cgroup (a hybrid host's cgroup2 mount may hold hugetlb,
// and always has cpu.stat). A controller with no files there leaves its part
// zero, as runc does.
//
// Files are read a directory at a time through a ReadFiles function: the
// host addon's readFiles for real (one call, each file opened relative to its
// directory: the ~45 files cost the kernel 7-10 µs each on the development
// VM, which is most of the call), or the contents of directories captured
// from real hosts in the tests.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../oci/errors.ts';
import type { Hierarchy } from '../cgroups/hierarchy.ts';
import { hostCalls } from '../native.ts';
import {
  hugePageSizes,
  parseBlkioV1,
  parseCpuacctStat,
  parseCpuacctUsageAll,
  parseCpuList,
  parseI64,
  parseIoStat,
  parseKeyed,
  parseMisc,
  parseNetDev,
  parsePsi,
  parseRdma,
  parseU64,
  parseU64List,
  StatsParseError,
  U64_MAX,
} from './parse.ts';
import type { Blkio, Cpu, CpuSet, CpuUsage, Hugetlb, Memory, MemoryEntry, Misc, NetworkInterface, Pids, PSIStats, Rdma, Stats, Throttling, U64 } from './types.ts';

/** Where each controller's files are for one container: a v1 directory per controller, and its v2 cgroup. */
export interface StatsSources {
  cpuacct?: string;
  cpu?: string;
  cpuset?: string;
  memory?: string;
  pids?: string;
  blkio?: string;
  hugetlb?: string;
  rdma?: string;
  misc?: string;
  unified?: string;
}

const V1_CONTROLLERS = ['cpuacct', 'cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'rdma', 'misc'] as const;

/** Which of the container's cgroup directories holds what, by the hierarchy each is under. */
export function statsSources(dirs: string[], hierarchies: Hierarchy[]): StatsSources {
  const out: StatsSources = {};
  for (const h of hierarchies) {
    const dir = dirs.find((d) => d.startsWith(`${h.mountPoint}/`));
    if (!dir) continue;
    if (h.version === 2) out.unified = dir;
    else for (const c of V1_CONTROLLERS) if (h.controllers.includes(c)) out[c] = dir;
  }
  return out;
}

/** The text of each named file of dir; undefined where it does not exist (a controller or knob absent). */
export type ReadFiles = (dir: string, names: string[]) => (string | undefined)[];

export const hostFiles: ReadFiles = (dir, names) => hostCalls().readFiles(dir, names).map((t) => t ?? undefined);

/** A directory's files, parsed on demand, a failure naming the file. */
class Files {
  private readonly dir: string;
  private readonly texts: Map<string, string | undefined>;
  constructor(read: ReadFiles, dir: string, names: string[]) {
    this.dir = dir;
    const texts = read(dir, names);
    this.texts = new Map(names.map((n, i) => [n, texts[i]]));
  }

  has(name: string): boolean {
    return this.texts.get(name) !== undefined;
  }

  text(name: string): string | undefined {
    return this.texts.get(name);
  }

  parse<T>(name: string, parser: (text: string) => T): T | undefined {
    const text = this.texts.get(name);
    if (text === undefined) return undefined;
    try {
      return parser(text);
    } catch (e) {
      if (e instanceof StatsParseError) throw new RuntimeError('ESTATS', `${join(this.dir, name)}: ${e.message}`);
      throw e;
    }
  }

  u64(name: string): U64 | undefined {
    return this.parse(name, parseU64);
  }
}

export function readCpu(src: StatsSources, read: ReadFiles = hostFiles): Cpu {
  let total: U64 | undefined;
  let percpu: U64[] | undefined;
  let modes: { kernel: U64[]; user: U64[] } | undefined;
  let kernel: U64 | undefined;
  let user: U64 | undefined;
  let periods: U64 | undefined;
  let throttledPeriods: U64 | undefined;
  let throttledTime: U64 | undefined;
  if (src.cpuacct) {
    const f = new Files(read, src.cpuacct, ['cpuacct.usage', 'cpuacct.usage_percpu', 'cpuacct.usage_all', 'cpuacct.stat']);
    total = f.u64('cpuacct.usage');
    percpu = f.parse('cpuacct.usage_percpu', parseU64List);
    modes = f.parse('cpuacct.usage_all', parseCpuacctUsageAll);
    ({ kernel, user } = f.parse('cpuacct.stat', parseCpuacctStat) ?? {});
    const s = src.cpu ? new Files(read, src.cpu, ['cpu.stat']).parse('cpu.stat', parseKeyed) : undefined;
    [periods, throttledPeriods, throttledTime] = [s?.get('nr_periods'), s?.get('nr_throttled'), s?.get('throttled_time')];
  } else if (src.unified) {
    // v2's cpu.stat, there even without the cpu controller, holds usage and throttling, in µs.
    const s = new Files(read, src.unified, ['cpu.stat']).parse('cpu.stat', parseKeyed);
    const ns = (k: string) => (s?.get(k) ?? 0n) * 1000n;
    [total, user, kernel] = [ns('usage_usec'), ns('user_usec'), ns('system_usec')];
    [periods, throttledPeriods, throttledTime] = [s?.get('nr_periods'), s?.get('nr_throttled'), ns('throttled_usec')];
  }
  // Keys in runc's order, the empty ones left out as Go's omitempty does.
  const usage: CpuUsage = {
    ...(total && { total }),
    ...(percpu?.length && { percpu }),
    ...(modes?.kernel.length && { percpu_kernel: modes.kernel }),
    ...(modes?.user.length && { percpu_user: modes.user }),
    kernel: kernel ?? 0n,
    user: user ?? 0n,
  };
  const throttling: Throttling = {
    ...(periods && { periods }),
    ...(throttledPeriods && { throttledPeriods }),
    ...(throttledTime && { throttledTime }),
  };
  return { usage, throttling };
}

const CPUSET_FILES = [
  'cpus',
  'cpu_exclusive',
  'mems',
  'mem_hardwall',
  'mem_exclusive',
  'memory_migrate',
  'memory_spread_page',
  'memory_spread_slab',
  'memory_pressure',
  'sched_load_balance',
  'sched_relax_domain_level',
].map((k) => `cpuset.${k}`);

/** v1's cpuset files; zero on v2, as runc's (its v2 manager reads none). */
export function readCpuset(src: StatsSources, read: ReadFiles = hostFiles): CpuSet {
  const f = src.cpuset ? new Files(read, src.cpuset, CPUSET_FILES) : undefined;
  const n = (name: string) => f?.u64(`cpuset.${name}`) ?? 0n;
  const cpus = f?.parse('cpuset.cpus', parseCpuList);
  const mems = f?.parse('cpuset.mems', parseCpuList);
  // Keys in runc's order.
  return {
    ...(cpus?.length && { cpus }),
    cpu_exclusive: n('cpu_exclusive'),
    ...(mems?.length && { mems }),
    mem_hardwall: n('mem_hardwall'),
    mem_exclusive: n('mem_exclusive'),
    memory_migrate: n('memory_migrate'),
    memory_spread_page: n('memory_spread_page'),
    memory_spread_slab: n('memory_spread_slab'),
    memory_pressure: n('memory_pressure'),
    sched_load_balance: n('sched_load_balance'),
    sched_relax_domain_level: f?.parse('cpuset.sched_relax_domain_level', parseI64) ?? 0n,
  };
}

function memoryEntry(limit: U64, usage: U64, max: U64, failcnt: U64): MemoryEntry {
  return { limit, ...(usage && { usage }), ...(max && { max }), failcnt };
}

const noEntry = (): MemoryEntry => ({ limit: 0n, failcnt: 0n });

/** v1's memory files: memory.stat, then usage, limit, peak and failures of
 * memory, memory+swap, kernel and kernel TCP memory. */
const V1_MEMORY_KINDS = ['memory.', 'memory.memsw.', 'memory.kmem.', 'memory.kmem.tcp.'];
const V1_MEMORY_FILES = ['memory.stat', ...V1_MEMORY_KINDS.flatMap((p) => ['usage_in_bytes', 'limit_in_bytes', 'max_usage_in_bytes', 'failcnt'].map((f) => p + f))];
const V2_MEMORY_FILES = ['memory.stat', 'memory.current', 'memory.max', 'memory.peak', 'memory.swap.current', 'memory.swap.max'];

export function readMemory(src: StatsSources, read: ReadFiles = hostFiles): Memory {
  const m: Memory = { usage: noEntry(), swap: noEntry(), kernel: noEntry(), kernelTCP: noEntry() };
  if (src.memory) {
    const f = new Files(read, src.memory, V1_MEMORY_FILES);
    const raw = f.parse('memory.stat', parseKeyed);
    if (!raw) return m;
    // Swap and kernel accounting are optional in the kernel: their files may be missing.
    const entry = (p: string) =>
      f.has(`${p}usage_in_bytes`)
        ? memoryEntry(f.u64(`${p}limit_in_bytes`) ?? 0n, f.u64(`${p}usage_in_bytes`)!, f.u64(`${p}max_usage_in_bytes`) ?? 0n, f.u64(`${p}failcnt`) ?? 0n)
        : noEntry();
    const [usage, swap, kernel, kernelTCP] = V1_MEMORY_KINDS.map(entry);
    return { ...(raw.get('cache') && { cache: raw.get('cache') }), usage, swap, kernel, kernelTCP, ...(raw.size && { raw: sortedRecord(raw) }) };
  }
  if (!src.unified) return m;
  const f = new Files(read, src.unified, V2_MEMORY_FILES);
  const raw = f.parse('memory.stat', parseKeyed);
  // No memory controller in this cgroup.
  if (!raw) return m;
  const usage = f.u64('memory.current') ?? 0n;
  const limit = f.u64('memory.max') ?? 0n;
  m.usage = memoryEntry(limit, usage, f.u64('memory.peak') ?? 0n, 0n);
  // v1 counts swap with memory; runc reports v2's the same way, with no peak for the sum.
  const swap = f.u64('memory.swap.current');
  if (swap !== undefined) {
    const swapLimit = f.u64('memory.swap.max') ?? 0n;
    m.swap = memoryEntry(swapLimit === U64_MAX ? U64_MAX : swapLimit + limit, swap + usage, 0n, 0n);
  }
  return { ...(raw.get('file') && { cache: raw.get('file') }), ...m, ...(raw.size && { raw: sortedRecord(raw) }) };
}

/** Go prints a map's keys sorted. */
function sortedRecord<T>(map: Map<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of [...map.keys()].sort()) out[k] = map.get(k)!;
  return out;
}

export function readPids(src: StatsSources, read: ReadFiles = hostFiles): Pids {
  const d = src.pids ?? src.unified;
  if (!d) return {};
  const f = new Files(read, d, ['pids.current', 'pids.max']);
  let current = f.u64('pids.current');
  const max = f.u64('pids.max');
  // A v2 cgroup without the pids controller: its processes, counted, as runc does.
  if (current === undefined && !src.pids) current = BigInt(new Files(read, d, ['cgroup.procs']).text('cgroup.procs')?.split('\n').filter(Boolean).length ?? 0);
  // runc reports "max" (no limit) as 0, and leaves zeros out.
  return { ...(current && { current }), ...(max && max !== U64_MAX && { limit: max }) };
}

const BLKIO_FILES = ['bfq.', 'throttle.'].flatMap((p) => [`blkio.${p}io_service_bytes_recursive`, `blkio.${p}io_serviced_recursive`]);

/** v1's blkio: BFQ's files when it has counted anything, else the throttle layer's (runc's order; CFQ's went with Linux 5.0). */
export function readBlkio(src: StatsSources, read: ReadFiles = hostFiles): Blkio {
  if (src.blkio) {
    const f = new Files(read, src.blkio, BLKIO_FILES);
    for (const p of ['blkio.bfq.', 'blkio.throttle.']) {
      const serviced = f.parse(`${p}io_serviced_recursive`, parseBlkioV1);
      if (!serviced?.length) continue;
      const bytes = f.parse(`${p}io_service_bytes_recursive`, parseBlkioV1) ?? [];
      return { ...(bytes.length && { ioServiceBytesRecursive: bytes }), ioServicedRecursive: serviced };
    }
    return {};
  }
  if (!src.unified) return {};
  const io = new Files(read, src.unified, ['io.stat']).parse('io.stat', parseIoStat);
  return {
    ...(io?.serviceBytes.length && { ioServiceBytesRecursive: io.serviceBytes }),
    ...(io?.serviced.length && { ioServicedRecursive: io.serviced }),
  };
}

let pageSizes: string[] | undefined;

/** The host's huge page sizes, read once. */
export function hostPageSizes(): string[] {
  if (!pageSizes) {
    try {
      pageSizes = hugePageSizes(readdirSync('/sys/kernel/mm/hugepages'));
    } catch {
      pageSizes = [];
    }
  }
  return pageSizes;
}

/** Per page size (in Go's order, sorted): v1's hugetlb controller, or the v2
 * cgroup's (reservations counted where the kernel has them, as runc). */
export function readHugetlb(src: StatsSources, sizes: string[], read: ReadFiles = hostFiles): Record<string, Hugetlb> {
  const out = new Map<string, Hugetlb>();
  const entry = (usage: U64, max: U64, failcnt: U64): Hugetlb => ({ ...(usage && { usage }), ...(max && { max }), failcnt });
  if (src.hugetlb) {
    const names = sizes.flatMap((s) => ['usage_in_bytes', 'max_usage_in_bytes', 'failcnt'].map((k) => `hugetlb.${s}.${k}`));
    const f = new Files(read, src.hugetlb, names);
    for (const s of sizes) {
      const p = `hugetlb.${s}.`;
      const usage = f.u64(`${p}usage_in_bytes`);
      if (usage !== undefined) out.set(s, entry(usage, f.u64(`${p}max_usage_in_bytes`) ?? 0n, f.u64(`${p}failcnt`) ?? 0n));
    }
  } else if (src.unified) {
    const names = sizes.flatMap((s) => ['current', 'rsvd.current', 'events'].map((k) => `hugetlb.${s}.${k}`));
    const f = new Files(read, src.unified, names);
    for (const s of sizes) {
      const p = `hugetlb.${s}.`;
      // Without the controller in this cgroup there is no such file.
      if (!f.has(`${p}current`)) continue;
      const usage = f.u64(`${p}rsvd.current`) ?? f.u64(`${p}current`)!;
      out.set(s, entry(usage, 0n, f.parse(`${p}events`, parseKeyed)?.get('max') ?? 0n));
    }
  }
  return sortedRecord(out);
}

/** The interfaces of the network namespace pid is in. */
export function readNetwork(pid: number, read: ReadFiles = hostFiles): NetworkInterface[] | null {
  return new Files(read, `/proc/${pid}/net`, ['dev']).parse('dev', parseNetDev) ?? null;
}

const PSI_FILES = ['cpu.pressure', 'memory.pressure', 'io.pressure'];
const RDMA_FILES = ['rdma.current', 'rdma.max'];
const MISC_FILES = ['misc.current', 'misc.events'];

/** What the stats read beyond runc's events: the v2 cgroup's pressure
 * files, and the rdma and misc controllers' from their v1 hierarchies or the
 * v2 cgroup (one readFiles call where all are in the v2 cgroup). Pressure is
 * read on a hybrid host's cgroup2 mount too, where runc reads none: the
 * kernel keeps it for every v2 cgroup, whatever controllers it has. */
export function readExtras(src: StatsSources, read: ReadFiles = hostFiles): { psi: { cpu?: PSIStats; memory?: PSIStats; io?: PSIStats }; rdma?: Rdma; misc?: Record<string, Misc> } {
  const fromUnified = [...(src.rdma ? [] : RDMA_FILES), ...(src.misc ? [] : MISC_FILES)];
  let u: Files | undefined;
  let psi = {};
  if (src.unified) {
    try {
      u = new Files(read, src.unified, [...PSI_FILES, ...fromUnified]);
      psi = { cpu: u.parse('cpu.pressure', parsePsi), memory: u.parse('memory.pressure', parsePsi), io: u.parse('io.pressure', parsePsi) };
    } catch (e) {
      // PSI compiled in but off at boot: some kernels refuse the read.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EOPNOTSUPP' && code !== 'ENOTSUP') throw e;
      u = new Files(read, src.unified, fromUnified);
    }
  }
  const rdmaFiles = src.rdma ? new Files(read, src.rdma, RDMA_FILES) : u;
  const miscFiles = src.misc ? new Files(read, src.misc, MISC_FILES) : u;
  return { psi, rdma: rdmaFiles && rdmaOf(rdmaFiles), misc: miscFiles && miscOf(miscFiles) };
}

/** rdma.max and rdma.current paired; undefined without the controller. */
function rdmaOf(f: Files): Rdma | undefined {
  const current = f.parse('rdma.current', parseRdma);
  const max = f.parse('rdma.max', parseRdma);
  if (!current || !max) return undefined;
  // A device that went between the two reads: nothing to pair, as runc.
  if (current.length !== max.length) return {};
  return { ...(max.length && { rdma_limit: max }), ...(current.length && { rdma_current: current }) };
}

function miscOf(f: Files): Record<string, Misc> | undefined {
  return f.parse('misc.current', (text) => parseMisc(text, f.text('misc.events')));
}

/** Everything runc's `events --stats` reports, for one container's cgroups;
 * the network of netPid's namespace when given (a container with one of its
 * own); then rdma and misc where the cgroups have them. */
export function readStats(src: StatsSources, netPid?: number, read: ReadFiles = hostFiles, sizes = hostPageSizes()): Stats {
  const { psi, rdma, misc } = readExtras(src, read);
  return {
    cpu: { ...readCpu(src, read), ...(psi.cpu && { psi: psi.cpu }) },
    cpuset: readCpuset(src, read),
    memory: { ...readMemory(src, read), ...(psi.memory && { psi: psi.memory }) },
    pids: readPids(src, read),
    blkio: { ...readBlkio(src, read), ...(psi.io && { psi: psi.io }) },
    hugetlb: readHugetlb(src, sizes, read),
    intel_rdt: {},
    network_interfaces: netPid ? readNetwork(netPid, read) : null,
    ...(rdma && { rdma }),
    ...(misc && { misc }),
  };
}
