// linux.resources on cgroup v1: the spec's fields are v1's own, so this is
// mostly a choice of file and of order (runc's: memory+swap before memory when
// the new swap is above the current limit; a period before its quota, tried
// again after it when the kernel refuses the ratio meanwhile).

import type { LinuxResources } from '../../oci/spec.ts';
import type { CgroupFacts, Controller, ControllerPlanner, PlanOutput } from './resources.ts';

const MEMSW = 'memory.memsw.limit_in_bytes';

/** checkBeforeUpdate: refuse a limit at or below what the cgroup uses now. */
export function checkUsage(r: LinuxResources, dir: string, facts: CgroupFacts, out: PlanOutput, usageFile: string): void {
  if (!out.update || !r.memory?.checkBeforeUpdate) return;
  const usage = Number(facts.read(dir, usageFile));
  if (!Number.isFinite(usage)) return;
  for (const k of ['limit', 'swap'] as const) {
    const v = r.memory[k];
    if (v !== undefined && v > 0 && v <= usage)
      out.fail(`memory.${k}`, `${v} is not above the current usage ${usage} (${dir}/${usageFile}), and checkBeforeUpdate is set`);
  }
}

const memory: ControllerPlanner = (r, dir, facts, out) => {
  const m = r.memory!;
  checkUsage(r, dir, facts, out, 'memory.usage_in_bytes');
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  const hasSwap = facts.exists(dir, MEMSW);
  // As runc: an unlimited memory without a word on swap frees swap too.
  if (limit === -1 && swap === 0 && hasSwap) swap = -1;
  if (swap !== 0 && !hasSwap) out.fail('memory.swap', `this host does not account swap (${dir} has no ${MEMSW}; boot with swapaccount=1)`);
  const limitWrite = () =>
    limit !== 0 && out.write({ file: 'memory.limit_in_bytes', value: String(limit), field: 'memory.limit', hint: 'EBUSY: the cgroup uses more than that already' });
  const swapWrite = () => swap !== 0 && out.write({ file: MEMSW, value: String(swap), field: 'memory.swap' });
  // memsw may never be below the memory limit: raise it first when it grows past the current limit.
  const current = Number(facts.read(dir, 'memory.limit_in_bytes'));
  if (limit !== 0 && swap !== 0 && (swap === -1 || current < swap)) {
    swapWrite();
    limitWrite();
  } else {
    limitWrite();
    swapWrite();
  }
  if (m.reservation) out.write({ file: 'memory.soft_limit_in_bytes', value: String(m.reservation), field: 'memory.reservation' });
  if (m.disableOOMKiller !== undefined) out.write({ file: 'memory.oom_control', value: m.disableOOMKiller ? '1' : '0', field: 'memory.disableOOMKiller' });
  if (m.swappiness !== undefined) out.write({ file: 'memory.swappiness', value: String(m.swappiness), field: 'memory.swappiness' });
  if (m.useHierarchy !== undefined)
    out.write({ file: 'memory.use_hierarchy', value: m.useHierarchy ? '1' : '0', field: 'memory.useHierarchy', hint: 'since Linux 5.11 every memory cgroup is hierarchical' });
  if (m.kernel || m.kernelTCP) out.warn('linux.resources.memory.kernel and kernelTCP are ignored (deprecated; runc ignores them too)');
};

const cpu: ControllerPlanner = (r, dir, facts, out) => {
  const c = r.cpu!;
  const knob = (file: string, field: string) => {
    if (!facts.exists(dir, file)) out.fail(field, `this kernel has no ${file} (${dir})`);
  };
  if (c.shares) out.write({ file: 'cpu.shares', value: String(c.shares), field: 'cpu.shares' });
  if (c.period) out.write({ file: 'cpu.cfs_period_us', value: String(c.period), field: 'cpu.period', retryLater: !!c.quota });
  if (c.burst !== undefined) {
    knob('cpu.cfs_burst_us', 'cpu.burst');
    out.write({ file: 'cpu.cfs_burst_us', value: String(c.burst), field: 'cpu.burst', retryLater: !!c.quota });
  }
  if (c.quota) out.write({ file: 'cpu.cfs_quota_us', value: String(c.quota), field: 'cpu.quota' });
  if (c.idle !== undefined) {
    knob('cpu.idle', 'cpu.idle');
    out.write({ file: 'cpu.idle', value: String(c.idle), field: 'cpu.idle' });
  }
  if (c.realtimePeriod || c.realtimeRuntime) knob('cpu.rt_runtime_us', c.realtimeRuntime ? 'cpu.realtimeRuntime' : 'cpu.realtimePeriod');
  if (c.realtimePeriod) out.write({ file: 'cpu.rt_period_us', value: String(c.realtimePeriod), field: 'cpu.realtimePeriod', retryLater: !!c.realtimeRuntime });
  if (c.realtimeRuntime)
    out.write({ file: 'cpu.rt_runtime_us', value: String(c.realtimeRuntime), field: 'cpu.realtimeRuntime', hint: 'the parent cgroups need a realtime budget of their own' });
};

export const cpuset: ControllerPlanner = (r, _dir, _facts, out) => {
  if (r.cpu?.cpus) out.write({ file: 'cpuset.cpus', value: r.cpu.cpus, field: 'cpu.cpus' });
  if (r.cpu?.mems) out.write({ file: 'cpuset.mems', value: r.cpu.mems, field: 'cpu.mems' });
};

/** A pids limit of 0, as -1, is no limit (runc 1.2 and 1.3; Podman writes 0 for unlimited). */
export const pids: ControllerPlanner = (r, _dir, _facts, out) => {
  const limit = r.pids!.limit!;
  out.write({ file: 'pids.max', value: limit > 0 ? String(limit) : 'max', field: 'pids.limit' });
};

const blkio: ControllerPlanner = (r, dir, facts, out) => {
  const b = r.blockIO!;
  // CFQ's files went with CFQ (Linux 5.0); BFQ's take the same values.
  const cfq = facts.exists(dir, 'blkio.weight');
  const weightFile = cfq ? 'blkio.weight' : facts.exists(dir, 'blkio.bfq.weight') ? 'blkio.bfq.weight' : undefined;
  const deviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  const needWeight = (field: string) => {
    if (!weightFile) out.fail(field, `${dir} has neither blkio.weight (CFQ) nor blkio.bfq.weight (BFQ)`);
  };
  const needLeaf = (field: string) => {
    if (!facts.exists(dir, 'blkio.leaf_weight')) out.fail(field, 'leaf weights went with the CFQ scheduler (Linux 5.0): this kernel has no blkio.leaf_weight');
  };
  if (b.weight) {
    needWeight('blockIO.weight');
    out.write({ file: weightFile!, value: String(b.weight), field: 'blockIO.weight' });
  }
  if (b.leafWeight) {
    needLeaf('blockIO.leafWeight');
    out.write({ file: 'blkio.leaf_weight', value: String(b.leafWeight), field: 'blockIO.leafWeight' });
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    const key = `${d.major}:${d.minor}`;
    const field = `blockIO.weightDevice[${i}]`;
    if (d.weight) {
      needWeight(`${field}.weight`);
      out.write({ file: deviceFile, value: `${key} ${d.weight}`, field: `${field}.weight`, key, clear: `${key} 0`, hint: 'the device\'s I/O scheduler must be BFQ (or CFQ) for a weight' });
    }
    if (d.leafWeight) {
      needLeaf(`${field}.leafWeight`);
      out.write({ file: 'blkio.leaf_weight_device', value: `${key} ${d.leafWeight}`, field: `${field}.leafWeight`, key, clear: `${key} 0` });
    }
  });
  for (const [k, file] of THROTTLES)
    (b[k] ?? []).forEach((d, i) => {
      const key = `${d.major}:${d.minor}`;
      out.write({ file, value: `${key} ${d.rate}`, field: `blockIO.${k}[${i}]`, key, clear: `${key} 0`, hint: 'is it a block device (see /proc/partitions)?' });
    });
};

const THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

/** Huge page limits, and the reservation limits where the kernel has them (5.7+). */
export function hugetlbWrites(r: LinuxResources, dir: string, facts: CgroupFacts, out: PlanOutput, suffix: string): void {
  r.hugepageLimits!.forEach((h, i) => {
    const file = `hugetlb.${h.pageSize}.${suffix}`;
    if (!facts.exists(dir, file)) out.fail(`hugepageLimits[${i}].pageSize`, `this host has no ${h.pageSize} huge pages (${dir} has no ${file})`);
    out.write({ file, value: String(h.limit), field: `hugepageLimits[${i}].limit` });
    const rsvd = `hugetlb.${h.pageSize}.rsvd.${suffix}`;
    if (facts.exists(dir, rsvd)) out.write({ file: rsvd, value: String(h.limit), field: `hugepageLimits[${i}].limit` });
  });
}

/** rdma.max lines, the same on v1 and v2. */
export const rdma: ControllerPlanner = (r, _dir, _facts, out) => {
  for (const [dev, l] of Object.entries(r.rdma!)) {
    const parts = [dev];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${l.hcaObjects}`);
    out.write({ file: 'rdma.max', value: parts.join(' '), field: `rdma.${dev}`, key: dev, clear: `${dev} hca_handle=max hca_object=max` });
  }
};

export const V1_PLANNERS: Record<Controller, ControllerPlanner> = {
  memory,
  cpu,
  cpuset,
  pids,
  blkio,
  hugetlb: (r, dir, facts, out) => hugetlbWrites(r, dir, facts, out, 'limit_in_bytes'),
  net_cls: (r, _dir, _facts, out) => out.write({ file: 'net_cls.classid', value: String(r.network!.classID), field: 'network.classID' }),
  net_prio: (r, _dir, _facts, out) =>
    r.network!.priorities!.forEach((p, i) =>
      out.write({ file: 'net_prio.ifpriomap', value: `${p.name} ${p.priority}`, field: `network.priorities[${i}]`, key: p.name, clear: `${p.name} 0` }),
    ),
  rdma,
};
