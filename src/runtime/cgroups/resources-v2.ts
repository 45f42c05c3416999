// linux.resources on cgroup v2, converted as runc and crun convert them:
// -1 is "max"; swap is memory+swap in the spec and swap alone in
// memory.swap.max; cpu shares become cpu.weight on runc 1.3.2's (crun 1.23's)
// log-quadratic curve, so 1024 shares land near the default weight 100; a
// blkio weight goes to BFQ's io.bfq.weight as it is, else to io.weight scaled
// from [10, 1000] to [1, 10000]. What v2 has no file for is refused by name.

import type { LinuxResources } from '../../oci/spec.ts';
import type { Controller, ControllerPlanner } from './resources.ts';
import { checkUsage, cpuset, hugetlbWrites, pids, rdma } from './resources-v1.ts';

const num = (n: number) => (n === -1 ? 'max' : String(n));

/** v1 cpu shares [2, 262144] to v2 cpu.weight [1, 10000]: a quadratic in
 * log2(shares) through (2, 1), (1024, 100) and (262144, 10000). */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

/** A blkio weight [10, 1000] as io.weight [1, 10000], linearly. */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** The spec's memory+swap as memory.swap.max (swap alone); undefined: leave it. */
export function swapOnly(memory: number, swap: number): number | undefined {
  if (memory === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0 || memory === -1) return swap === 0 ? undefined : swap;
  if (memory === 0) throw new Error('a swap limit needs a memory limit on cgroup v2 (memory.swap.max is swap alone)');
  return swap - memory;
}

const memory: ControllerPlanner = (r, dir, facts, out) => {
  const m = r.memory!;
  if (m.swappiness !== undefined) out.fail('memory.swappiness', 'cgroup v2 has no per-cgroup swappiness');
  if (m.disableOOMKiller) out.fail('memory.disableOOMKiller', 'cgroup v2 cannot turn the OOM killer off for a cgroup');
  if (m.useHierarchy === false) out.fail('memory.useHierarchy', 'every cgroup v2 memory controller is hierarchical');
  if (m.kernel || m.kernelTCP) out.warn('linux.resources.memory.kernel and kernelTCP are ignored (deprecated; cgroup v2 accounts kernel memory with the rest)');
  checkUsage(r, dir, facts, out, 'memory.current');
  const limit = m.limit ?? 0;
  let swap: number | undefined;
  try {
    swap = swapOnly(limit, m.swap ?? 0);
  } catch (e) {
    out.fail('memory.swap', (e as Error).message);
  }
  if (swap !== undefined) {
    // Without swap on the host there is no file: "no swap" and "any swap" need none.
    if (facts.exists(dir, 'memory.swap.max')) out.write({ file: 'memory.swap.max', value: num(swap), field: 'memory.swap' });
    else if (swap !== -1 && swap !== 0) out.fail('memory.swap', `this host does not account swap (${dir} has no memory.swap.max)`);
  }
  if (limit) out.write({ file: 'memory.max', value: num(limit), field: 'memory.limit' });
  if (m.reservation) out.write({ file: 'memory.low', value: num(m.reservation), field: 'memory.reservation' });
};

const cpu: ControllerPlanner = (r, dir, facts, out) => {
  const c = r.cpu!;
  if (c.realtimeRuntime || c.realtimePeriod) out.fail(c.realtimeRuntime ? 'cpu.realtimeRuntime' : 'cpu.realtimePeriod', 'cgroup v2 has no realtime group scheduling');
  if (c.idle !== undefined) {
    if (!facts.exists(dir, 'cpu.idle')) out.fail('cpu.idle', `this kernel has no cpu.idle (${dir})`);
    out.write({ file: 'cpu.idle', value: String(c.idle), field: 'cpu.idle' });
  }
  if (c.shares) out.write({ file: 'cpu.weight', value: String(sharesToWeight(c.shares)), field: 'cpu.shares' });
  if (c.burst !== undefined) {
    if (!facts.exists(dir, 'cpu.max.burst')) out.fail('cpu.burst', `this kernel has no cpu.max.burst (${dir})`);
    out.write({ file: 'cpu.max.burst', value: String(c.burst), field: 'cpu.burst', retryLater: !!c.quota });
  }
  if (c.quota || c.period) {
    const quota = c.quota && c.quota > 0 ? String(c.quota) : 'max';
    out.write({ file: 'cpu.max', value: `${quota} ${c.period || 100000}`, field: c.quota ? 'cpu.quota' : 'cpu.period' });
  }
};

const io: ControllerPlanner = (r, dir, facts, out) => {
  const b = r.blockIO!;
  if (b.leafWeight) out.fail('blockIO.leafWeight', 'leaf weights went with the CFQ scheduler; cgroup v2 has none');
  const bfq = facts.exists(dir, 'io.bfq.weight');
  if (b.weight) {
    if (bfq) out.write({ file: 'io.bfq.weight', value: String(b.weight), field: 'blockIO.weight' });
    else if (facts.exists(dir, 'io.weight')) out.write({ file: 'io.weight', value: String(blkioToIoWeight(b.weight)), field: 'blockIO.weight' });
    else out.fail('blockIO.weight', `${dir} has neither io.bfq.weight nor io.weight (no I/O scheduler with weights)`);
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    const key = `${d.major}:${d.minor}`;
    if (d.leafWeight) out.fail(`blockIO.weightDevice[${i}].leafWeight`, 'leaf weights went with the CFQ scheduler; cgroup v2 has none');
    if (!d.weight) return;
    const [file, value] = bfq ? ['io.bfq.weight', d.weight] : ['io.weight', blkioToIoWeight(d.weight)];
    out.write({ file, value: `${key} ${value}`, field: `blockIO.weightDevice[${i}].weight`, key, clear: `${key} default`, hint: 'the device\'s I/O scheduler must take weights' });
  });
  for (const [k, name] of THROTTLES)
    (b[k] ?? []).forEach((d, i) => {
      const key = `${d.major}:${d.minor}`;
      // 0 is "no limit" in the spec, as in v1's files.
      out.write({ file: 'io.max', value: `${key} ${name}=${d.rate || 'max'}`, field: `blockIO.${k}[${i}]`, key, clear: `${key} ${name}=max`, hint: 'is it a block device (see /proc/partitions)?' });
    });
};

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

/** net_cls and net_prio have no v2 controller (v2 filters by cgroup path instead). */
export const V2_PLANNERS: Partial<Record<Controller, ControllerPlanner>> = {
  memory,
  cpu,
  cpuset,
  pids,
  blkio: io,
  hugetlb: (r: LinuxResources, dir, facts, out) => hugetlbWrites(r, dir, facts, out, 'max'),
  rdma,
};
