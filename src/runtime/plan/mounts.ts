// Mount steps: each config mount becomes target creation, the mount itself,
// a remount for bind options, propagation changes and recursive attributes.

import { resolve } from 'node:path';
import { ConfigError } from '../../oci/errors.ts';
import { MOUNT_FLAGS, MS, PROPAGATION_FLAGS, RECURSIVE_ATTRS } from '../../oci/linux.ts';
import type { Mount } from '../../oci/spec.ts';
import { Op, step, type Step } from './ops.ts';

export interface MountOptions {
  flags: number;
  propagation: number[];
  attrSet: number;
  attrClr: number;
  data: string[];
  bind: boolean;
  recursive: boolean;
}

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  const o: MountOptions = { flags: 0, propagation: [], attrSet: 0, attrClr: 0, data: [], bind: false, recursive: false };
  for (const opt of options) {
    const flag = MOUNT_FLAGS[opt];
    if (flag) {
      const [bits, clear] = flag;
      if (opt === 'bind' || opt === 'rbind') {
        o.bind = true;
        o.recursive ||= opt === 'rbind';
      } else if (clear) o.flags &= ~bits;
      else o.flags |= bits;
      continue;
    }
    const prop = PROPAGATION_FLAGS[opt];
    if (prop) {
      o.propagation.push(prop);
      continue;
    }
    const attr = RECURSIVE_ATTRS[opt];
    if (attr) {
      const [bits, clear] = attr;
      if (clear) o.attrClr |= bits;
      else o.attrSet |= bits;
      continue;
    }
    o.data.push(opt);
  }
  return o;
}

/** Facts about the host the planner needs; injected so planning stays pure. */
export interface HostFacts {
  isDirectory(path: string): boolean;
}

export interface CgroupMountSource {
  /** Directory name under the cgroup mount point (cpu, memory, unified...). */
  name: string;
  /** The container's cgroup directory on the host. */
  hostPath: string;
  /** Symlinks to create next to it (cpu -> cpu,cpuacct). */
  aliases?: string[];
}

export interface MountContext {
  host: HostFacts;
  /** The bundle's absolute path. */
  bundle: string;
  cgroups: CgroupMountSource[];
  /** sysfs can only be mounted by a user namespace that owns the network namespace. */
  sysfsAsBind: boolean;
  /** Whether a gid exists in the container's user namespace (all do without one). */
  gidMapped?: (gid: number) => boolean;
}

export function mountSteps(rootfs: string, mount: Mount, ctx: MountContext): Step[] {
  const { host, cgroups } = ctx;
  // As runc does: without its own network namespace, a user-namespaced
  // container sees the host's /sys through a recursive bind instead.
  let m: Mount = mount.type === 'sysfs' && ctx.sysfsAsBind
    ? { ...mount, type: 'bind', source: '/sys', options: [...(mount.options ?? []), 'rbind'] }
    : mount;
  // devpts refuses a gid= its user namespace does not map (EINVAL). runc's
  // rootless spec drops gid=5 for that reason; a spec made for root and run
  // rootless (as under Podman) still has it: its ptys then get the creator's group.
  if (m.type === 'devpts' && ctx.gidMapped) {
    const gidMapped = ctx.gidMapped;
    m = { ...m, options: m.options?.filter((opt) => !/^gid=\d+$/.test(opt) || gidMapped(Number(opt.slice(4)))) };
  }
  const o = parseMountOptions(m.options);
  const dest = m.destination;
  const type = m.type ?? '';
  if (type === 'cgroup' || type === 'cgroup2') return cgroupMountSteps(rootfs, m, o, cgroups);
  const steps: Step[] = [];
  const bind = o.bind || type === 'bind';
  if (bind) {
    if (!m.source) throw new ConfigError(`mounts[${dest}].source`, 'a bind mount needs a source');
    // The spec: a relative source is relative to the bundle (not to the
    // runtime's cwd, nor the executor's, which is the state directory).
    const source = resolve(ctx.bundle, m.source);
    const isDir = host.isDirectory(source);
    steps.push(isDir ? step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755) : step(Op.MKFILE_IN_ROOT, rootfs, dest, 0o644));
    steps.push(step(Op.MOUNT, source, dest, '', MS.BIND | (o.recursive ? MS.REC : 0), '', rootfs));
    // Bind mounts ignore every flag but MS_BIND|MS_REC; the others need a remount.
    if (o.flags & ~(MS.BIND | MS.REC))
      steps.push(step(Op.MOUNT, '', dest, '', MS.BIND | MS.REMOUNT | o.flags, '', rootfs));
  } else {
    steps.push(step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755));
    steps.push(step(Op.MOUNT, m.source ?? type, dest, type, o.flags, o.data.join(','), rootfs));
  }
  for (const p of o.propagation) steps.push(step(Op.MOUNT, '', dest, '', p, '', rootfs));
  if (o.attrSet || o.attrClr) steps.push(step(Op.MOUNT_SETATTR, dest, rootfs, o.attrSet, o.attrClr, 0, 1));
  return steps;
}

/** cgroup mounts show the container's own cgroups: a tmpfs holding a bind of
 * each hierarchy's container directory, as runc does on v1 and hybrid hosts. */
function cgroupMountSteps(rootfs: string, m: Mount, o: MountOptions, cgroups: CgroupMountSource[]): Step[] {
  const dest = m.destination;
  const readonly = (o.flags & MS.RDONLY) !== 0;
  const base = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  if (cgroups.length === 1 && cgroups[0].name === '') {
    // Pure v2: the container's cgroup directory is the whole mount.
    return [
      step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755),
      step(Op.MOUNT, cgroups[0].hostPath, dest, '', MS.BIND | MS.REC, '', rootfs),
      step(Op.MOUNT, '', dest, '', MS.BIND | MS.REMOUNT | base | (o.flags & MS.RDONLY), '', rootfs),
    ];
  }
  const steps: Step[] = [
    step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755),
    step(Op.MOUNT, 'tmpfs', dest, 'tmpfs', base, 'mode=755', rootfs),
  ];
  for (const cg of cgroups) {
    const target = `${dest}/${cg.name}`;
    steps.push(step(Op.MKDIR_IN_ROOT, rootfs, target, 0o755));
    steps.push(step(Op.MOUNT, cg.hostPath, target, '', MS.BIND | MS.REC, '', rootfs));
    steps.push(step(Op.MOUNT, '', target, '', MS.BIND | MS.REMOUNT | base | (readonly ? MS.RDONLY : 0), '', rootfs));
    for (const alias of cg.aliases ?? []) steps.push(step(Op.SYMLINK_IN_ROOT, rootfs, cg.name, `${dest}/${alias}`));
  }
  if (readonly) steps.push(step(Op.MOUNT, '', dest, '', MS.REMOUNT | MS.RDONLY | base, 'mode=755', rootfs));
  return steps;
}
