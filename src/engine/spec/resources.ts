// --memory, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus and
// --pids-limit as linux.resources, with Docker's checks and defaults: a 6 MiB
// floor, swap twice the memory where the host accounts it, --cpus as a quota
// per 100 ms period, shares clamped to what the kernel takes.

import type { LinuxResources } from '../../oci/spec.ts';
import type { Resources } from '../config.ts';
import { cpusetMembers, invalid } from './check.ts';
import type { HostFacts } from './host.ts';

export const MIN_MEMORY = 6 * 1024 * 1024;
export const CPU_PERIOD = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export function resourcesSpec(r: Resources, host: HostFacts, warn: (msg: string) => void): LinuxResources {
  const out: LinuxResources = {};
  const memory = r.memory ?? 0;
  if (!isInt(memory) || memory < 0) throw invalid('resources.memory', '--memory', `${r.memory} is not a size in bytes`);
  if (memory > 0 && memory < MIN_MEMORY) throw invalid('resources.memory', '--memory', `${memory} bytes is below the minimum of 6 MiB`);
  let swap = r.memorySwap ?? 0;
  if (!isInt(swap) || swap < -1) throw invalid('resources.memorySwap', '--memory-swap', `${r.memorySwap} is not a size in bytes, or -1`);
  if (swap > 0 && memory === 0) throw invalid('resources.memorySwap', '--memory-swap', 'needs a memory limit (--memory) too: it is memory plus swap');
  if (swap > 0 && swap < memory) throw invalid('resources.memorySwap', '--memory-swap', `${swap} is below the memory limit ${memory}: it is memory plus swap`);
  if (memory > 0 && swap === 0) swap = 2 * memory;
  if (swap !== 0 && !host.swapAccounting()) {
    if (r.memorySwap) warn('this host does not account swap: the memory is limited, swap is not (--memory-swap ignored)');
    swap = 0;
  }
  if (memory > 0) out.memory = { limit: memory, ...(swap !== 0 && { swap }) };

  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const online = cpusetMembers(host.onlineCpus()) ?? new Set([0]);
  if (r.nanoCpus !== undefined && r.nanoCpus !== 0) {
    const n = r.nanoCpus;
    if (!isInt(n) || n < 1e7 || n > online.size * 1e9)
      throw invalid('resources.nanoCpus', '--cpus', `${isInt(n) ? n / 1e9 : n} is out of range: from 0.01 to ${online.size}, as this host has ${online.size} CPUs`);
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round((n * CPU_PERIOD) / 1e9);
  }
  if (r.cpuShares !== undefined && r.cpuShares !== 0) {
    if (!isInt(r.cpuShares)) throw invalid('resources.cpuShares', '--cpu-shares', `${r.cpuShares} is not a whole number`);
    const shares = Math.min(MAX_SHARES, Math.max(MIN_SHARES, r.cpuShares));
    if (shares !== r.cpuShares) warn(`--cpu-shares ${r.cpuShares} changed to ${shares}: the kernel takes ${MIN_SHARES} to ${MAX_SHARES}`);
    cpu.shares = shares;
  }
  for (const [key, flag] of [['cpusetCpus', '--cpuset-cpus'], ['cpusetMems', '--cpuset-mems']] as const) {
    const text = r[key];
    if (text === undefined || text === '') continue;
    const members = typeof text === 'string' ? cpusetMembers(text) : undefined;
    if (!members) throw invalid(`resources.${key}`, flag, `"${text}" is not a list of numbers and ranges (0-3,6)`);
    if (key === 'cpusetCpus') {
      const missing = [...members].filter((c) => !online.has(c));
      if (missing.length) throw invalid('resources.cpusetCpus', flag, `CPUs ${missing.join(',')} are not available (this host has ${host.onlineCpus()})`);
      cpu.cpus = text;
    } else {
      cpu.mems = text;
    }
  }
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsLimit !== undefined) {
    if (!isInt(r.pidsLimit)) throw invalid('resources.pidsLimit', '--pids-limit', `${r.pidsLimit} is not a whole number`);
    // 0 and -1 are Docker's "unlimited", which a new cgroup already is.
    if (r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  }
  return out;
}
