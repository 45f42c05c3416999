// SIGKILL to every process of a container's cgroups such that none outruns
// it (a fork bomb forks faster than a list of pids can be signalled): v2's
// cgroup.kill where the kernel has it (5.14+; it kills the whole subtree, and
// a child forked meanwhile dies at birth), else as runc does: freeze, signal
// every pid, thaw.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasFreezer, setFrozen } from './freezer.ts';
import { type Hierarchy, hostHierarchies } from './hierarchy.ts';
import { cgroupPids, type CgroupPlacement, permissionRefused } from './manager.ts';

/** The container's cgroup.kill file, if its kernel and placement have one. */
function killFile(p: CgroupPlacement, hierarchies: Hierarchy[]): string | undefined {
  const v2 = hierarchies.find((h) => h.version === 2);
  const dir = v2 && p.dirs.find((d) => d.startsWith(`${v2.mountPoint}/`));
  const file = dir && join(dir, 'cgroup.kill');
  return file && existsSync(file) ? file : undefined;
}

/** Kills every process in the container's cgroups; false when it has no
 * cgroup that can do so (none made, rootless), and the caller must signal
 * the processes it finds. Frozen processes of v1 take the signal once thawed. */
export async function killCgroups(p: CgroupPlacement, hierarchies = hostHierarchies()): Promise<boolean> {
  const file = killFile(p, hierarchies);
  if (file) {
    try {
      writeFileSync(file, '1');
      return true;
    } catch (e) {
      // Not ours to write (a rootless container in a cgroup someone else made): the freezer, or pids.
      if (!permissionRefused(e)) throw e;
    }
  }
  if (!hasFreezer(p, hierarchies)) return false;
  // Frozen, nothing forks: the pids read are all there are.
  await setFrozen(p, true, hierarchies);
  for (const pid of cgroupPids(p)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await setFrozen(p, false, hierarchies);
  return true;
}
