// Mount steps: each config mount becomes target creation and the mount
// itself. Whatever a mount needs after it is made (a bind's flags,
// propagation) is applied through the mount's own fd, never by looking its
// destination up again: a rename between steps could send it elsewhere.

import { resolve } from 'node:path';
import { ConfigError } from '../../oci/errors.ts';
import { MOUNT_ATTR, MOUNT_FLAGS, MS, MS_MOUNT_ATTRS, PROPAGATION_FLAGS, RECURSIVE_ATTRS } from '../../oci/linux.ts';
import type { IdMapping, Mount } from '../../oci/spec.ts';
import { mapText } from './namespaces.ts';
import { Op, step, type Step } from './ops.ts';

export interface MountOptions {
  flags: number;
  /** Flags an option cleared explicitly (rw, suid...): a bind changes only these and those set. */
  cleared: number;
  propagation: number[];
  attrSet: number;
  attrClr: number;
  data: string[];
  bind: boolean;
  recursive: boolean;
  /** idmap or ridmap (the mapping set on every mount of an rbind, not only its top). */
  idmap?: 'idmap' | 'ridmap';
}

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  const o: MountOptions = { flags: 0, cleared: 0, propagation: [], attrSet: 0, attrClr: 0, data: [], bind: false, recursive: false };
  for (const opt of options) {
    if (opt === 'idmap' || opt === 'ridmap') {
      if (o.idmap !== 'ridmap') o.idmap = opt;
      continue;
    }
    const flag = MOUNT_FLAGS[opt];
    if (flag) {
      const [bits, clear] = flag;
      if (opt === 'bind' || opt === 'rbind') {
        o.bind = true;
        o.recursive ||= opt === 'rbind';
      } else if (clear) {
        o.flags &= ~bits;
        o.cleared |= bits;
      } else {
        o.flags |= bits;
        o.cleared &= ~bits;
      }
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
  // The atime setting is one value: setting it means clearing the old one.
  if (o.attrSet & MOUNT_ATTR.ATIME_MASK) o.attrClr |= MOUNT_ATTR.ATIME_MASK;
  return o;
}

const ATIME_FLAGS = MS.NOATIME | MS.RELATIME | MS.STRICTATIME;

/** mount_setattr attributes for mount(2) flags: those set, and those cleared explicitly. The
 * rest keep what the mount has, flags the kernel locks in a user namespace among them. */
export function mountAttrs(flags: number, cleared = 0): { set: number; clr: number } {
  let set = 0;
  let clr = 0;
  for (const [ms, attr] of MS_MOUNT_ATTRS) {
    if (ms & ATIME_FLAGS) continue;
    if (flags & ms) set |= attr;
    else if (cleared & ms) clr |= attr;
  }
  if ((flags | cleared) & ATIME_FLAGS) {
    clr |= MOUNT_ATTR.ATIME_MASK;
    set |= flags & MS.NOATIME ? MOUNT_ATTR.NOATIME : flags & MS.STRICTATIME ? MOUNT_ATTR.STRICTATIME : MOUNT_ATTR.RELATIME;
  }
  return { set, clr };
}

interface AttrChange {
  set: number;
  clr: number;
  propagation: number;
  recursive: boolean;
}

/** The changes a mount needs after it is made, in the options' order: its own flags, each
 * propagation, the recursive attributes. Neighbours that can be one call are merged. */
function attrChanges(own: { set: number; clr: number }, o: MountOptions): AttrChange[] {
  const all: AttrChange[] = [];
  if (own.set || own.clr) all.push({ ...own, propagation: 0, recursive: false });
  for (const p of o.propagation) all.push({ set: 0, clr: 0, propagation: p & ~MS.REC, recursive: (p & MS.REC) !== 0 });
  if (o.attrSet || o.attrClr) all.push({ set: o.attrSet, clr: o.attrClr, propagation: 0, recursive: true });
  const merged: AttrChange[] = [];
  for (const c of all) {
    const last = merged.at(-1);
    if (last && last.recursive === c.recursive && !(last.propagation && c.propagation) && !(last.set & c.clr) && !(last.clr & c.set))
      merged[merged.length - 1] = { set: last.set | c.set, clr: last.clr | c.clr, propagation: last.propagation || c.propagation, recursive: c.recursive };
    else merged.push(c);
  }
  return merged;
}

const setattrStep = (c: AttrChange) => step(Op.MOUNT_SETATTR, c.set, c.clr, c.propagation, c.recursive ? 1 : 0);

/** Superblock flags of mount(2), as fsconfig(2) names them. */
const SB_FLAGS: [number, string][] = [
  [MS.RDONLY, 'ro'], [MS.SYNCHRONOUS, 'sync'], [MS.DIRSYNC, 'dirsync'], [MS.LAZYTIME, 'lazytime'], [MS.MANDLOCK, 'mand'],
];

/** A new filesystem made detached (fsopen, fsmount): its flags as mount attributes and
 * superblock flags, its data as one fsconfig option each. */
function fsmountStep(type: string, source: string, flags: number, data: string[]): Step {
  const sb = SB_FLAGS.filter(([bit]) => flags & bit).map(([, name]) => name);
  return step(Op.FSMOUNT, type, mountAttrs(flags).set, `source=${source}`, ...sb, ...data);
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
  /** What an idmap or ridmap option without mappings of its own takes: the container's new user
   * namespace's maps, or the path of the one it joins; absent without a user namespace. */
  containerUserns?: { uidMappings: readonly IdMapping[]; gidMappings: readonly IdMapping[] } | { path: string };
  /** Why idmapped mounts cannot be made (a rootless runtime lacks the power over the source's filesystem). */
  idmapRefused?: string;
  /** SELinux's linux.mountLabel: the context= of the filesystems that take one. */
  mountLabel?: string;
}

/** Filesystems that get no context= from linux.mountLabel, as in runc: binds, and the kernel's own views. */
const UNLABELLED = new Set(['bind', 'proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2']);

/** The idmap-mount step of a bind (index: its place in spec.mounts), or undefined for a plain one. */
function idmapStep(mount: Mount, index: number, source: string, o: MountOptions, ctx: MountContext): Step | undefined {
  const own = !!mount.uidMappings?.length;
  if (!own && !o.idmap) return undefined;
  const field = own ? `mounts[${index}].uidMappings` : `mounts[${index}].options[${mount.options!.findIndex((x) => x === o.idmap)}]`;
  if (ctx.idmapRefused) throw new ConfigError(field, ctx.idmapRefused);
  const userns = own ? { uidMappings: mount.uidMappings!, gidMappings: mount.gidMappings ?? [] } : ctx.containerUserns;
  if (!userns) throw new ConfigError(field, `"${o.idmap}" without uidMappings and gidMappings takes the container's user namespace, and it has none`);
  const path = 'path' in userns ? userns.path : '';
  const [uid, gid] = 'path' in userns ? ['', ''] : [mapText(userns.uidMappings), mapText(userns.gidMappings)];
  return step(Op.IDMAP_MOUNT, source, o.recursive ? 1 : 0, o.idmap === 'ridmap' ? 1 : 0, uid, gid, path);
}

export function mountSteps(rootfs: string, mount: Mount, ctx: MountContext, index = 0): Step[] {
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
    // A bind takes no flags of its own: they are set on the detached clone before it is attached.
    const changes = attrChanges(mountAttrs(o.flags, o.cleared), o);
    const idmap = idmapStep(mount, index, source, o, ctx);
    if (idmap) steps.push(idmap, ...changes.map(setattrStep), step(Op.MOVE_MOUNT, dest, rootfs));
    else if (!changes.length) steps.push(step(Op.MOUNT, source, dest, '', MS.BIND | (o.recursive ? MS.REC : 0), '', rootfs));
    else steps.push(step(Op.OPEN_TREE, source, o.recursive ? 1 : 0), ...changes.map(setattrStep), step(Op.MOVE_MOUNT, dest, rootfs));
    return steps;
  }
  // A new filesystem has no submounts: recursive attributes are its own flags.
  let flags = o.flags;
  for (const [ms, attr] of MS_MOUNT_ATTRS) {
    if (o.attrSet & attr) flags |= ms;
    else if (o.attrClr & attr) flags &= ~ms;
  }
  steps.push(step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755));
  if (ctx.mountLabel && !UNLABELLED.has(type)) o.data.push(`context="${ctx.mountLabel}"`);
  // mount(2) takes its flags at once; propagation needs the new mount itself.
  if (!o.propagation.length) steps.push(step(Op.MOUNT, m.source ?? type, dest, type, flags, o.data.join(','), rootfs));
  else {
    const changes = attrChanges({ set: 0, clr: 0 }, { ...o, attrSet: 0, attrClr: 0 });
    steps.push(fsmountStep(type, m.source ?? type, flags, o.data), ...changes.map(setattrStep), step(Op.MOVE_MOUNT, dest, rootfs));
  }
  return steps;
}

/** cgroup mounts show the container's own cgroups: a tmpfs holding a bind of
 * each hierarchy's container directory, as runc does on v1 and hybrid hosts. */
function cgroupMountSteps(rootfs: string, m: Mount, o: MountOptions, cgroups: CgroupMountSource[]): Step[] {
  const dest = m.destination;
  const readonly = (o.flags & MS.RDONLY) !== 0;
  const base = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const bindSteps = (hostPath: string, target: string) => [
    step(Op.OPEN_TREE, hostPath, 1),
    step(Op.MOUNT_SETATTR, mountAttrs(base | (readonly ? MS.RDONLY : 0)).set, 0, 0, 0),
    step(Op.MOVE_MOUNT, target, rootfs),
  ];
  // Pure v2: the container's cgroup directory is the whole mount.
  if (cgroups.length === 1 && cgroups[0].name === '')
    return [step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755), ...bindSteps(cgroups[0].hostPath, dest)];
  // The tmpfs is filled (directories, aliases) and made read-only through its
  // fd before the hierarchies are bound onto its directories.
  const steps: Step[] = [
    step(Op.MKDIR_IN_ROOT, rootfs, dest, 0o755),
    fsmountStep('tmpfs', 'tmpfs', base, ['mode=755']),
    step(Op.MOVE_MOUNT, dest, rootfs),
  ];
  for (const cg of cgroups) {
    steps.push(step(Op.MKDIR_IN_ROOT, rootfs, `${dest}/${cg.name}`, 0o755));
    for (const alias of cg.aliases ?? []) steps.push(step(Op.SYMLINK_IN_ROOT, rootfs, cg.name, `${dest}/${alias}`));
  }
  if (readonly) steps.push(step(Op.MOUNT_SETATTR, mountAttrs(MS.RDONLY).set, 0, 0, 0));
  for (const cg of cgroups) steps.push(...bindSteps(cg.hostPath, `${dest}/${cg.name}`));
  return steps;
}
