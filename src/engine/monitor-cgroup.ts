// The cgroup the engine's container monitors live in. A monitor starts in
// its starter's cgroups, which for a CLI run from a login or a systemd unit
// is a session scope or a service: ending it (logout, `systemctl stop`)
// kills what is in it, monitors included, and the containers would lose
// their monitors. Podman moves conmon to libpod_parent/conmon for the same
// reason. A monitor joins the cgroup itself, as its first step
// (MonitorOptions.cgroupProcs), so nothing it starts runs anywhere else.
//
// Where: /berth-monitors at the top of every hierarchy (hybrid hosts: each
// v1 controller's, name=systemd's and cgroup2's; pure v2: the one), beside
// the containers' parent rather than under it. Under it, the name would share
// the namespace of container ids (the runtime puts a container at
// <parent>/<id>, and "berth-monitors" is a valid id), so anything listing or
// killing the parent's children would meet the monitors; and the runtime
// removes the parent once its last container goes, which a cgroup held by
// live monitors would prevent. The containers' inits never stay here: the
// executor moves itself into the container's cgroups before it starts them.

import { rmdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { RuntimeError } from '../oci/errors.ts';
import { type Hierarchy, hostHierarchies } from '../runtime/cgroups/hierarchy.ts';
import { createCgroups, planPlacement } from '../runtime/cgroups/manager.ts';

export const MONITOR_CGROUP = '/berth-monitors';

function dirsOf(path: string, hierarchies: Hierarchy[]): string[] {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path === '/')
    throw new RuntimeError('EINVAL', `monitor cgroup "${path}": not a normalized absolute cgroup path below the root`);
  return planPlacement(path, '', hierarchies).dirs;
}

/**
 * Makes the monitors' cgroup where it is missing (concurrent callers are
 * safe: the directories are made as `mkdir -p`, a v1 cpuset gets its
 * parent's cpus and mems) and returns its cgroup.procs files, one per
 * hierarchy: MonitorOptions.cgroupProcs. Throws a RuntimeError whose code is
 * the errno's (EACCES for a user who may not make cgroups there).
 */
export function monitorCgroupProcs(path = MONITOR_CGROUP, hierarchies = hostHierarchies()): string[] {
  const placement = { dirs: dirsOf(path, hierarchies), created: [], names: [], parents: [] };
  try {
    createCgroups(placement, hierarchies);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'ECGROUP';
    throw new RuntimeError(code, `cannot make the monitors' cgroup ${path}: ${(e as Error).message}`, { cause: e });
  }
  return placement.dirs.map((d) => join(d, 'cgroup.procs'));
}

/** Removes the monitors' cgroup (an uninstall, a test); gone already is fine.
 * Throws a RuntimeError EBUSY while monitors are still in it. */
export function removeMonitorCgroup(path = MONITOR_CGROUP, hierarchies = hostHierarchies()): void {
  for (const dir of dirsOf(path, hierarchies)) {
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new RuntimeError(code ?? 'ECGROUP', `cannot remove ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }
}
