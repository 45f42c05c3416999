// Host facts a process's config depends on, checked before the executor
// runs: which capabilities the kernel has, whether its cgroup allows
// realtime scheduling.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../oci/errors.ts';
import { REALTIME_POLICIES } from '../oci/sched.ts';
import type { Process } from '../oci/spec.ts';
import type { CgroupPlacement } from './cgroups/manager.ts';
import { unavailableCapabilities } from './capabilities.ts';

let lastCap: number | undefined;

/** /proc/sys/kernel/cap_last_cap, read once; undefined where it cannot be read (runts's own list then decides). */
export function kernelLastCap(): number | undefined {
  if (lastCap === undefined) {
    try {
      lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    } catch {
      return undefined;
    }
  }
  return lastCap;
}

/** runtime-spec 1.2 asks for a warning, not an error, for capabilities that cannot be granted; runc's words. */
export function warnUnavailableCapabilities(p: Process | undefined, warn: (msg: string) => void): void {
  const names = unavailableCapabilities(p?.capabilities, kernelLastCap());
  if (names.length) warn(`ignoring unknown or unavailable capabilities: [${names.join(' ')}]`);
}

/** A realtime policy in a v1 cpu cgroup without realtime runtime fails with a bare EPERM in sched_setattr: said here by field instead. */
export function refuseRealtimeWithoutRuntime(p: Process | undefined, cgroups: CgroupPlacement): void {
  const policy = p?.scheduler?.policy;
  if (!policy || !REALTIME_POLICIES.includes(policy)) return;
  for (const dir of cgroups.dirs) {
    let runtime: string;
    try {
      runtime = readFileSync(join(dir, 'cpu.rt_runtime_us'), 'utf8').trim();
    } catch {
      continue;
    }
    if (runtime === '0')
      throw new ConfigError('process.scheduler.policy', `${policy} needs realtime runtime, and the container's cpu cgroup ${dir} has none (cpu.rt_runtime_us is 0: see linux.resources.cpu.realtimeRuntime)`);
  }
}
