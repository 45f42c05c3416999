// The plan for creating a container: from a validated spec to the executor's
// steps. Pure: every host fact it needs comes in through the input.

import { ConfigError } from '../../oci/errors.ts';
import { MS, PROPAGATION_FLAGS } from '../../oci/linux.ts';
import type { IdMapping, Linux, NamespaceType, Spec } from '../../oci/spec.ts';
import { sysctlNamespace } from '../../oci/sysctl.ts';
import { deviceSteps, defaultDevSteps } from './devices.ts';
import { checkMountLabel, type LsmFacts, lsmExecSteps, NO_LSM } from './lsm.ts';
import { type CgroupMountSource, type HostFacts, type MountContext, mountSteps } from './mounts.ts';
import { hasNamespace, hasNewNamespace, namespaceSteps } from './namespaces.ts';
import { Op, type Plan, step } from './ops.ts';
import { credentialSteps, execSteps, finalExec, rlimitSteps, seccompSteps } from './process.ts';
import { schedulingSteps } from './sched.ts';

const KEY_USR_SEARCH = 0x80000;
const KEY_OTH_SEARCH = 0x8;

/** The container's session keyring, which its execs join too (runc's name). */
export function sessionKeyring(id: string): string {
  return `_ses.${id}`;
}

export interface CreateHostFacts extends HostFacts {
  /** Whether path names the runtime's own namespace of that type (as /proc/self/ns/<type> does). */
  isRuntimeNamespace(type: NamespaceType, path: string): boolean;
  /** The host's LSMs; without, a label asked for is refused. */
  lsm?: LsmFacts;
}

export interface CreatePlanInput {
  id: string;
  spec: Spec;
  /** Absolute host path of the bundle: relative bind sources are relative to it. */
  bundle: string;
  /** Absolute host path of the root filesystem. */
  rootfs: string;
  /** "wait": the executor stays as the container's parent and exits with its status. */
  mode: 'detach' | 'wait';
  cgroupProcs: string[];
  cgroupMounts: CgroupMountSource[];
  /** Name of the socket `start` connects to; absent when create and start are one operation. */
  startSocket?: string;
  consoleSocket?: string;
  terminalRelay?: boolean;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** The container's user namespace will deny setgroups(2): the runtime runs as a user (it
   * may map gids only so), or in a user namespace that denies it already. */
  setgroupsDeny?: boolean;
  /** The runtime itself runs in a user namespace (as under rootless Podman): so does the
   * container, spec or not, and what needs the host's root (mknod, sysfs of the host's
   * network namespace) is done as in one. */
  inUserNamespace?: boolean;
  /** With inUserNamespace: the runtime's own gid_map, whose first column is what the container can have. */
  ownGidMap?: readonly IdMapping[];
  /** The kernel's last capability (/proc/sys/kernel/cap_last_cap). */
  lastCap?: number;
  /** Rootless maps beyond the user's own id: newuidmap and newgidmap write them (runtime/subids.ts). */
  mapTools?: { uid?: string; gid?: string };
  /** The runtime lacks root's power over the host: idmapped mounts are refused (as runc refuses them). */
  rootless?: boolean;
  host: CreateHostFacts;
}

/** Hooks that make the init stop and ask the runtime for the container state. */
export function needsStateSync(spec: Spec): boolean {
  const h = spec.hooks ?? {};
  return [h.prestart, h.createRuntime, h.createContainer, h.startContainer].some((l) => (l?.length ?? 0) > 0);
}

export function buildCreatePlan(input: CreatePlanInput): Plan {
  const { spec, rootfs } = input;
  const linux = spec.linux ?? {};
  const proc = spec.process;
  if (!proc && !input.startSocket) throw new ConfigError('process', 'is required to run a container');
  if (!hasNewNamespace(linux, 'mount') && !hasNamespace(linux, 'mount'))
    throw new ConfigError('linux.namespaces', 'a mount namespace is required');
  if (proc?.terminal && !input.consoleSocket && !input.terminalRelay)
    throw new ConfigError('process.terminal', 'a terminal needs --console-socket (or a foreground run)');
  if (!proc?.terminal && input.consoleSocket)
    throw new ConfigError('process.terminal', '--console-socket given but the process has no terminal');
  const userNs = hasNamespace(linux, 'user') || !!input.inUserNamespace;
  const setgroupsDenied = !!input.setgroupsDeny;
  if (setgroupsDenied && proc?.user.additionalGids?.length)
    throw new ConfigError('process.user.additionalGids', 'cannot be set: the container\'s user namespace denies setgroups (runts runs rootless)');
  refuseHostSysctls(spec, input.host);

  const plan: Plan = [step(Op.MODE, input.mode)];
  for (const procs of input.cgroupProcs) plan.push(step(Op.CGROUP_PROCS, procs));
  plan.push(...namespaceSteps(linux, setgroupsDenied ? 'deny' : 'allow'));
  if (input.mapTools?.uid) plan.push(step(Op.UID_MAP_TOOL, input.mapTools.uid));
  if (input.mapTools?.gid) plan.push(step(Op.GID_MAP_TOOL, input.mapTools.gid));
  if (input.startSocket) plan.push(step(Op.START_SOCKET, input.startSocket));
  if (input.consoleSocket) plan.push(step(Op.CONSOLE_SOCKET, input.consoleSocket));
  if (input.terminalRelay && proc?.terminal) plan.push(step(Op.TERMINAL_RELAY));

  // First of all, the runtime moves the network devices into the namespace the init now has.
  if (Object.keys(linux.netDevices ?? {}).length) {
    refuseHostNetwork(linux, input.host);
    plan.push(step(Op.SYNC, NET_DEVICES_SYNC));
  }
  // Mount propagation: nothing the container mounts may reach the host.
  plan.push(step(Op.MOUNT, '', '/', '', MS.SLAVE | MS.REC, '', '0'));
  plan.push(step(Op.MOUNT, rootfs, rootfs, '', MS.BIND | MS.REC, '', '0'));
  // The init works from the rootfs, as runc's does: createContainer hooks start there, and
  // the executor comes back there after mounting on a directory's fd.
  plan.push(step(Op.CHDIR, rootfs));
  const mounts = spec.mounts ?? [];
  const mountCtx = {
    host: input.host,
    bundle: input.bundle,
    cgroups: input.cgroupMounts,
    sysfsAsBind: userNs && !hasNewNamespace(linux, 'network'),
    gidMapped: userNs ? (gid: number) => mapsId(hasNewNamespace(linux, 'user') ? (linux.gidMappings ?? []) : (input.ownGidMap ?? []), gid) : undefined,
    containerUserns: containerUserns(linux),
    idmapRefused: input.rootless || input.inUserNamespace
      ? 'idmapped mounts need root\'s power over the source\'s filesystem: a rootless runtime cannot make them (runc refuses them too)'
      : undefined,
    mountLabel: linux.mountLabel || undefined,
  };
  checkMountLabel(linux.mountLabel, input.host.lsm ?? NO_LSM);
  mounts.forEach((m, i) => plan.push(...mountSteps(rootfs, m, mountCtx, i)));
  const configured = linux.devices ?? [];
  if (mounts.some((m) => m.destination === '/dev')) plan.push(...defaultDevSteps(rootfs, configured, userNs));
  for (const dev of configured) plan.push(...deviceSteps(rootfs, dev, userNs));
  if (proc) plan.push(step(Op.MKDIR_IN_ROOT, rootfs, proc.cwd, 0o755));
  if (proc?.oomScoreAdj !== undefined) plan.push(step(Op.WRITE_FILE, '/proc/self/oom_score_adj', proc.oomScoreAdj));

  if (needsStateSync(spec)) plan.push(step(Op.SYNC, 'createRuntime'));
  for (const hook of spec.hooks?.createContainer ?? []) plan.push(hookStep(hook));

  plan.push(input.noPivot ? step(Op.CHROOT, rootfs) : step(Op.PIVOT_ROOT, rootfs));
  if (linux.rootfsPropagation) plan.push(step(Op.MOUNT, '', '/', '', PROPAGATION_FLAGS[linux.rootfsPropagation], '', '0'));
  // As runc: the pty is also /dev/console, made while the root is still writable.
  if (proc?.terminal)
    plan.push(step(Op.TERMINAL, proc.consoleSize?.height ?? 0, proc.consoleSize?.width ?? 0, proc.user.uid, '/dev', 'console'));
  if (spec.root?.readonly) plan.push(step(Op.REMOUNT_RO, '/'));
  if (spec.hostname) plan.push(step(Op.SETHOSTNAME, spec.hostname));
  if (spec.domainname) plan.push(step(Op.SETDOMAINNAME, spec.domainname));
  // runc's order: sysctls while /proc/sys is still writable, then readonly
  // paths (/proc/sys among them), then masks (Podman sets a sysctl in every spec).
  for (const [key, value] of Object.entries(linux.sysctl ?? {}))
    plan.push(step(Op.WRITE_FILE, `/proc/sys/${key.replaceAll('.', '/')}`, value));
  for (const p of linux.readonlyPaths ?? []) plan.push(step(Op.READONLY_PATH, p));
  for (const p of linux.maskedPaths ?? []) plan.push(step(Op.MASK_PATH, p));

  // runc's keyring: searchable by its uid, or by anyone in a user namespace (whose uids the host's differ from), so an exec can join it.
  if (!input.noNewKeyring) plan.push(step(Op.SESSION_KEYRING, sessionKeyring(input.id), userNs ? KEY_OTH_SEARCH : KEY_USR_SEARCH));
  if (proc) {
    const seccomp = seccompSteps(proc, linux.seccomp);
    plan.push(...rlimitSteps(proc));
    // Every init leads a session of its own, as runc's (the terminal step made one already).
    if (!proc.terminal) plan.push(step(Op.SETSID));
    plan.push(...schedulingSteps(proc, linux.personality));
    // runc's order: the exec label is set before any seccomp filter (which
    // may refuse the write), and holds for the startContainer hooks too.
    plan.push(...lsmExecSteps(proc, input.host.lsm ?? NO_LSM));
    plan.push(...seccomp.early);
    plan.push(...credentialSteps(proc, { setgroupsAllowed: !setgroupsDenied, lastCap: input.lastCap }));
    plan.push(step(Op.UMASK, proc.user.umask ?? 0o022));
    plan.push(step(Op.CHDIR, proc.cwd));
    plan.push(...execSteps(proc));
    plan.push(...seccomp.late);
  }
  if (input.startSocket) {
    plan.push(step(Op.READY));
    plan.push(step(Op.WAIT_START));
  }
  // Without a process (allowed by the spec until start) the plan ends here
  // and the init reports that to start.
  if (!proc) return plan;
  for (const hook of spec.hooks?.startContainer ?? []) plan.push(hookStep(hook));
  plan.push(finalExec(proc));
  return plan;
}

/** The SYNC at which the runtime moves linux.netDevices. */
export const NET_DEVICES_SYNC = 'netDevices';

function refuseHostNetwork(linux: NonNullable<Spec['linux']>, host: CreateHostFacts): void {
  const joined = linux.namespaces?.find((ns) => ns.type === 'network' && ns.path !== undefined);
  if (joined && host.isRuntimeNamespace('network', joined.path as string))
    throw new ConfigError('linux.netDevices', `the network namespace joined (${joined.path}) is the runtime's own: the devices would not leave the host`);
}

/** Validation let a sysctl through for a namespace the container joins; joined, it must not be the
 * runtime's own (the host's), as runc checks for net.*: the sysctl would change the host's. */
function refuseHostSysctls(spec: Spec, host: CreateHostFacts): void {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const type = sysctlNamespace(key);
    const joined = spec.linux?.namespaces?.find((ns) => ns.type === type && ns.path !== undefined);
    if (joined && host.isRuntimeNamespace(joined.type, joined.path as string))
      throw new ConfigError(`linux.sysctl.${key}`, `the ${type} namespace joined (${joined.path}) is the runtime's own: setting it would change the host's`);
  }
}

/** The user namespace an idmap option without mappings takes: the container's new one (by its
 * maps: the executor makes one like it), or the one it joins. */
function containerUserns(linux: Linux): MountContext['containerUserns'] {
  const user = linux.namespaces?.find((ns) => ns.type === 'user');
  if (!user) return undefined;
  if (user.path !== undefined) return { path: user.path };
  return { uidMappings: linux.uidMappings ?? [], gidMappings: linux.gidMappings ?? [] };
}

function mapsId(maps: readonly IdMapping[], id: number): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}

export function hookStep(hook: { path: string; args?: string[]; env?: string[]; timeout?: number }) {
  const args = hook.args?.length ? hook.args : [hook.path];
  return step(Op.HOOK, hook.path, (hook.timeout ?? 0) * 1000, args.length, ...args, ...(hook.env ?? []));
}
