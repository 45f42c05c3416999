// A container's statistics in runc's shape: the `data` of `runc events`
// (runc's types/events.go, as runc 1.1 encodes it), so the object the library
// returns is what `runts events --stats` prints. Fields Go leaves out when
// empty (omitempty) are optional here and left out the same way.
//
// Counters are uint64 in the kernel: a memory limit of "none" is 2^63-4096 on
// v1 and 2^64-1 on v2, past what a double holds, so every counter is a bigint
// and the JSON carries its exact digits (encodeEvent).

export type U64 = bigint;

export interface CpuUsage {
  /** Nanoseconds. */
  total?: U64;
  percpu?: U64[];
  percpu_kernel?: U64[];
  percpu_user?: U64[];
  kernel: U64;
  user: U64;
}

export interface Throttling {
  periods?: U64;
  throttledPeriods?: U64;
  /** Nanoseconds. */
  throttledTime?: U64;
}

/** Pressure stall information of one kind (cpu.pressure's "some" or "full" line):
 * the share of time stalled, in percent, over 10, 60 and 300 s, and the total in µs. */
export interface PSIData {
  avg10: number;
  avg60: number;
  avg300: number;
  total: U64;
}

/** A pressure file (v2's cpu.pressure, memory.pressure, io.pressure); a line of zeros left out, as Go's omitzero. */
export interface PSIStats {
  some?: PSIData;
  full?: PSIData;
}

export interface Cpu {
  usage: CpuUsage;
  throttling: Throttling;
  /** v2's cpu.pressure, where the container has a v2 cgroup and the kernel PSI. */
  psi?: PSIStats;
}

export interface CpuSet {
  cpus?: number[];
  cpu_exclusive: U64;
  mems?: number[];
  mem_hardwall: U64;
  mem_exclusive: U64;
  memory_migrate: U64;
  memory_spread_page: U64;
  memory_spread_slab: U64;
  memory_pressure: U64;
  sched_load_balance: U64;
  sched_relax_domain_level: bigint;
}

export interface MemoryEntry {
  limit: U64;
  usage?: U64;
  max?: U64;
  failcnt: U64;
}

export interface Memory {
  cache?: U64;
  usage: MemoryEntry;
  /** Memory plus swap, as v1 counts it (v2's swap alone is added to the memory). */
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  /** memory.stat as it is. */
  raw?: Record<string, U64>;
  psi?: PSIStats;
}

export interface Pids {
  current?: U64;
  /** 0 when there is no limit, as in runc. */
  limit?: U64;
}

export interface BlkioEntry {
  major?: U64;
  minor?: U64;
  op?: string;
  value?: U64;
}

export interface Blkio {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
  ioQueueRecursive?: BlkioEntry[];
  ioServiceTimeRecursive?: BlkioEntry[];
  ioWaitTimeRecursive?: BlkioEntry[];
  ioMergedRecursive?: BlkioEntry[];
  ioTimeRecursive?: BlkioEntry[];
  sectorsRecursive?: BlkioEntry[];
  psi?: PSIStats;
}

export interface Hugetlb {
  usage?: U64;
  max?: U64;
  failcnt: U64;
}

/** Field names as runc prints them (its Go struct has no JSON tags). */
export interface NetworkInterface {
  Name: string;
  RxBytes: U64;
  RxPackets: U64;
  RxErrors: U64;
  RxDropped: U64;
  TxBytes: U64;
  TxPackets: U64;
  TxErrors: U64;
  TxDropped: U64;
}

/** One device's RDMA resources (uint32 in the kernel; "max" is 2^32-1, as runc reads it). */
export interface RdmaEntry {
  device?: string;
  hca_handles?: number;
  hca_objects?: number;
}

/** The rdma controller's rdma.max and rdma.current, as runc's libcontainer names them. */
export interface Rdma {
  rdma_limit?: RdmaEntry[];
  rdma_current?: RdmaEntry[];
}

/** One resource of the misc controller: misc.current, and misc.events' count of refusals at its max. */
export interface Misc {
  usage?: U64;
  events?: U64;
}

export interface Stats {
  cpu: Cpu;
  cpuset: CpuSet;
  memory: Memory;
  pids: Pids;
  blkio: Blkio;
  /** By page size as the kernel's files name it ("2MB", "1GB"). */
  hugetlb: Record<string, Hugetlb>;
  /** runts has no Intel RDT support: always empty, as runc's without resctrl. */
  intel_rdt: Record<string, never>;
  /** The container's own network namespace's interfaces but lo; null without one. */
  network_interfaces: NetworkInterface[] | null;
  /** Beyond runc's events (its libcontainer's rdma_stats and misc_stats):
   * present where the container's cgroups have the controller. */
  rdma?: Rdma;
  /** By resource name (misc.current's keys: sev, sev_es, tdx...). */
  misc?: Record<string, Misc>;
}

export type ContainerEvent = { type: 'stats'; id: string; data: Stats } | { type: 'oom'; id: string };

// ES2025's JSON.rawJSON, which TypeScript's lib does not declare yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** One event as a line of JSON, bigints as their exact digits. */
export function encodeEvent(event: ContainerEvent): string {
  return `${JSON.stringify(event, (_key, v) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v))}\n`;
}
