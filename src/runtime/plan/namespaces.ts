// Namespace settings: which to join (in a safe order), which to create, and
// the user namespace maps and time offsets that go with them.

import { CLONE_FLAGS } from '../../oci/linux.ts';
import type { IdMapping, Linux, Namespace } from '../../oci/spec.ts';
import { Op, step, type Step } from './ops.ts';

// The user namespace first (it owns the others); the mount namespace last,
// since joining it changes how the remaining paths resolve.
const JOIN_ORDER = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export function mapText(maps: readonly IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

export function joinSteps(namespaces: readonly Namespace[]): Step[] {
  return namespaces
    .filter((ns) => ns.path !== undefined)
    .sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type))
    .map((ns) => step(Op.NS_JOIN, CLONE_FLAGS[ns.type], ns.path as string));
}

/** setgroups "deny" is what a user namespace gets from a runtime without
 * CAP_SETGID over the host (run by a user): it cannot write gid_map otherwise. */
export function namespaceSteps(linux: Linux, setgroups: 'allow' | 'deny' = 'allow'): Step[] {
  const namespaces = linux.namespaces ?? [];
  const steps = joinSteps(namespaces);
  let flags = 0;
  for (const ns of namespaces) {
    if (ns.path !== undefined) continue;
    if (ns.type === 'user') {
      steps.push(step(Op.USERNS));
      steps.push(step(Op.SETGROUPS, setgroups));
      steps.push(step(Op.UID_MAP, mapText(linux.uidMappings ?? [])));
      steps.push(step(Op.GID_MAP, mapText(linux.gidMappings ?? [])));
    } else flags |= CLONE_FLAGS[ns.type];
  }
  if (flags) steps.push(step(Op.NS_UNSHARE, flags));
  const offsets = linux.timeOffsets;
  const timeOffsets = !!offsets && Object.keys(offsets).length > 0;
  if (timeOffsets) {
    const text = Object.entries(offsets)
      .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
      .join('');
    steps.push(step(Op.TIMENS_OFFSETS, text));
  }
  // Nothing to join first and no time offsets (to be written before any
  // process enters the namespace): the executor can clone the init straight
  // into its new namespaces, one process fewer than unshare-then-fork.
  if (!namespaces.some((ns) => ns.path !== undefined) && !timeOffsets) steps.push(step(Op.CLONE_INIT));
  return steps;
}

export function hasNewNamespace(linux: Linux | undefined, type: Namespace['type']): boolean {
  return (linux?.namespaces ?? []).some((ns) => ns.type === type && ns.path === undefined);
}

export function hasNamespace(linux: Linux | undefined, type: Namespace['type']): boolean {
  return (linux?.namespaces ?? []).some((ns) => ns.type === type);
}
