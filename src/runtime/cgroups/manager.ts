// Places a container in cgroups: one directory per hierarchy, created on
// create and removed on delete; controls which devices it may use, and puts
// its resource limits on (planned in resources.ts, written by apply.ts).

import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { ConfigError, RuntimeError } from '../../oci/errors.ts';
import type { LinuxResources } from '../../oci/spec.ts';
import { hostCalls } from '../native.ts';
import type { CgroupMountSource } from '../plan/mounts.ts';
import { BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, BPF_PROG_TYPE_CGROUP_DEVICE, deviceProgram } from './device-bpf.ts';
import { type DeviceRules, parseDevicesList, sameRules, v1Transition, v1Writes } from './devices.ts';
import { type Hierarchy, hostHierarchies, parseProcCgroup } from './hierarchy.ts';
import { applyWrites, hostFacts } from './apply.ts';
import { planResources, v2ControllersWanted } from './resources.ts';

export interface CgroupPlacement {
  /** The container's directory in each hierarchy. */
  dirs: string[];
  /** Directories this runtime created, deepest last; removed in reverse on delete. */
  created: string[];
  /** Directory name under a cgroup mount inside the container, per dir ("" on pure v2). */
  names: string[];
  /** Shared parents this runtime owns (/runts): removed when the last container goes. */
  parents: string[];
}

/** Where containers without a cgroupsPath go, as Docker's /docker. */
export const DEFAULT_CGROUP_PARENT = '/runts';

/** The container's path inside each hierarchy (runc semantics for relative paths). */
export function cgroupPathIn(h: Hierarchy, cgroupsPath: string | undefined, id: string, parent = DEFAULT_CGROUP_PARENT): string {
  const path = cgroupsPath || posix.join(parent, id);
  return path.startsWith('/') ? posix.normalize(path) : posix.join(h.current, path);
}

/** The container's directory on the host (paths outside a partly mounted
 * hierarchy are taken as under its mount, as runc does). The root cgroup is
 * refused: it holds every other process, which kill --all and delete would
 * then signal. */
function hostDir(h: Hierarchy, path: string, cgroupsPath: string | undefined): string {
  const inside = h.root !== '/' && (path === h.root || path.startsWith(`${h.root}/`));
  const rel = (inside ? path.slice(h.root.length) : path).replace(/\/+$/, '');
  if (rel === '')
    throw new ConfigError('linux.cgroupsPath', `"${cgroupsPath}" is the root cgroup of ${h.mountPoint}; a container needs a cgroup of its own`);
  return join(h.mountPoint, rel);
}

export function planPlacement(
  cgroupsPath: string | undefined,
  id: string,
  hierarchies = hostHierarchies(),
  parent = DEFAULT_CGROUP_PARENT,
): CgroupPlacement {
  const dirs: string[] = [];
  const names: string[] = [];
  const parents: string[] = [];
  const onlyV2 = hierarchies.every((h) => h.version === 2);
  for (const h of hierarchies) {
    const path = cgroupPathIn(h, cgroupsPath, id, parent);
    const dir = hostDir(h, path, cgroupsPath);
    dirs.push(dir);
    // A cgroupsPath right under the runtime's parent (an engine's /berth/<id>) shares it as
    // a container without one does: whichever container goes last takes the parent with it.
    const inParent = !cgroupsPath || posix.dirname(path) === posix.normalize(parent);
    if (inParent && dirname(dir) !== h.mountPoint) parents.push(dirname(dir));
    names.push(onlyV2 ? '' : h.version === 2 ? 'unified' : h.mountPoint.split('/').pop() ?? h.controllers.join(','));
  }
  return { dirs, created: [], names, parents };
}

/** Whether a cgroup write failed for lack of permission (rootless: not ours to write). */
export function permissionRefused(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/** No cgroups at all: a rootless container where none may be made. */
export function noPlacement(): CgroupPlacement {
  return { dirs: [], created: [], names: [], parents: [] };
}

/** The directories createCgroups would make now (each dir and its missing
 * ancestors), shallowest first: recorded before any is made, so a create that
 * dies part-way leaves no cgroup its record does not name. */
export function missingDirs(p: CgroupPlacement): string[] {
  const out = new Set<string>();
  for (const dir of p.dirs) for (let d = dir; !existsSync(d); d = dirname(d)) out.add(d);
  return [...out].sort((a, b) => a.length - b.length);
}

function mkdirTracked(dir: string, created: string[]): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  // mkdirSync returns the first directory it made; record it and its descendants.
  for (let d = dir; d.length >= first.length; d = dirname(d)) created.push(d);
  created.sort((a, b) => a.length - b.length);
}

/** cpuset v1 refuses tasks until cpus and mems are set; inherit the parent's. */
function initCpuset(dir: string, stopAt: string): void {
  const parent = dirname(dir);
  if (dir === stopAt || parent.length < stopAt.length) return;
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readFileSync(join(dir, file), 'utf8').trim() !== '') continue;
    if (readFileSync(join(parent, file), 'utf8').trim() === '') initCpuset(parent, stopAt);
    writeFileSync(join(dir, file), readFileSync(join(parent, file), 'utf8').trim());
  }
}

/** Makes the container's cgroups. On v2 the parents hand down the
 * controllers its resources need (v2ControllersWanted): as runc, best effort,
 * since a parent holding processes may not, and a write that finds its file
 * missing names the field then. */
export function createCgroups(p: CgroupPlacement, hierarchies = hostHierarchies(), resources?: LinuxResources): void {
  p.dirs.forEach((dir, i) => {
    const h = hierarchies[i];
    mkdirTracked(dir, p.created);
    if (h?.version === 2) enableControllers(h.mountPoint, dir, resources, hierarchies);
    if (h?.version === 1 && h.controllers.includes('cpuset')) initCpuset(dir, h.mountPoint);
  });
}

function enableControllers(mountPoint: string, dir: string, resources: LinuxResources | undefined, hierarchies: Hierarchy[]): void {
  const offered = readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
  const wanted = v2ControllersWanted(resources, hierarchies, offered);
  if (wanted.length === 0) return;
  const chain: string[] = [];
  for (let d = dirname(dir); d.length >= mountPoint.length; d = dirname(d)) chain.unshift(d);
  for (const d of chain) {
    // A cgroup holding processes (the caller's own, a delegated subtree's
    // top) hands nothing down: even a threaded controller enabled there
    // would make its new children "domain invalid", which take no process.
    if (d !== mountPoint && readFileSync(join(d, 'cgroup.procs'), 'utf8') !== '') return;
    let enabled: string[];
    try {
      enabled = readFileSync(join(d, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    } catch {
      return;
    }
    for (const c of wanted.filter((c) => !enabled.includes(c))) {
      try {
        writeFileSync(join(d, 'cgroup.subtree_control'), `+${c}`);
      } catch {
        // Not ours to give (a subtree not delegated to us, a controller in use below).
      }
    }
  }
}

/**
 * Puts the container's resource limits on its cgroups: planned against the
 * files its cgroups have, then plain writes. update: a running container's,
 * rolled back to the values found when a write fails. Returns the planner's
 * warnings (fields ignored as runc ignores them).
 */
export function applyResources(p: CgroupPlacement, resources: LinuxResources | undefined, hierarchies = hostHierarchies(), opts: { update?: boolean; at?: string } = {}): string[] {
  const targets = p.dirs.map((dir, i) => ({ dir, hierarchy: hierarchies[i] }));
  const plan = planResources(resources ?? {}, targets, hostFacts, opts);
  applyWrites(plan.writes, { rollback: opts.update });
  return plan.warnings;
}

/**
 * Puts the device rules on the container's cgroups before any process joins
 * them: v1's devices controller where the host has one (hybrid hosts too, as
 * runc), else an eBPF program attached to the v2 cgroup. Errors carry the
 * errno's code (a rootless runtime goes without on EPERM, as without cgroups).
 */
export function controlDevices(p: CgroupPlacement, rules: DeviceRules, hierarchies = hostHierarchies()): void {
  const at = deviceCgroup(p, hierarchies);
  if (!at) return;
  try {
    if (at.v1) writeV1Rules(at.dir, rules);
    else attachDeviceProgram(at.dir, rules);
  } catch (e) {
    throw deviceError(at.dir, e);
  }
}

/** The cgroup that holds the device rules: v1's devices controller where the host has one, else the v2 cgroup. */
function deviceCgroup(p: CgroupPlacement, hierarchies: Hierarchy[]): { dir: string; v1: boolean } | undefined {
  if (p.dirs.length === 0) return undefined;
  const v1 = hierarchies.findIndex((h) => h.version === 1 && h.controllers.includes('devices'));
  const v2 = hierarchies.findIndex((h) => h.version === 2);
  const dir = p.dirs[v1 >= 0 ? v1 : v2];
  if (dir === undefined) throw new RuntimeError('ENODEVCGROUP', 'cannot control devices: this host has neither a v1 devices controller nor cgroup v2');
  return { dir, v1: v1 >= 0 };
}

function deviceError(dir: string, e: unknown): RuntimeError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EDEVCGROUP';
  return new RuntimeError(code, `cannot apply device rules to ${dir}: ${(e as Error).message}`, { cause: e });
}

/**
 * Replaces a running container's device rules (update): on v1 the fewest
 * writes from what devices.list holds to the new rules, checked against it
 * afterwards; on v2 the new program attached beside the old one, which is
 * then detached, so the container is never without a program. A failure
 * puts back what was found; so does undo() (`before`: the rules the
 * container was given, where devices.list cannot show them).
 */
export function replaceDeviceRules(p: CgroupPlacement, before: DeviceRules, rules: DeviceRules, hierarchies = hostHierarchies()): Revertible {
  const at = deviceCgroup(p, hierarchies);
  if (!at) return { undo() {}, done() {} };
  try {
    if (!at.v1) return replaceDeviceProgram(at.dir, rules);
    const found = readV1Rules(at.dir);
    try {
      writeV1Transition(at.dir, found, rules);
    } catch (e) {
      try {
        writeV1Transition(at.dir, readV1Rules(at.dir), found ?? before);
      } catch {
        // Best effort: the error reported is the one that stopped the update.
      }
      throw e;
    }
    return { undo: () => writeV1Transition(at.dir, readV1Rules(at.dir), found ?? before), done() {} };
  } catch (e) {
    throw deviceError(at.dir, e);
  }
}

function readV1Rules(dir: string): DeviceRules | null {
  return parseDevicesList(readFileSync(join(dir, 'devices.list'), 'utf8'));
}

/** Writes the transition, then checks devices.list against the rules (as
 * runc does: the kernel may keep what a write did not say), as far as it
 * shows them: all of a default deny, only the default of a default allow. */
function writeV1Transition(dir: string, from: DeviceRules | null, to: DeviceRules): void {
  for (const { file, line } of v1Transition(from, to)) writeFileSync(join(dir, file), line);
  const now = readV1Rules(dir);
  if (to.defaultAllow ? now !== null : now === null || !sameRules(now, to))
    throw new RuntimeError('EDEVCGROUP', `${join(dir, 'devices.list')} does not hold the rules written: ${readFileSync(join(dir, 'devices.list'), 'utf8').trim().split('\n').join(', ')}`);
}

/** One write per rule: v1 parses one per write(2). */
function writeV1Rules(dir: string, rules: DeviceRules): void {
  for (const { file, lines } of v1Writes(rules)) {
    const fd = openSync(join(dir, file), constants.O_WRONLY);
    try {
      for (const line of lines) writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  }
}

/** Device programs this process loaded, by their instructions: loading one
 * (the verifier, the JIT) takes about 0.3 ms, attaching it 0.02, and an
 * engine's containers mostly share a rule set. A few are kept (their fds are
 * close-on-exec); the attachments hold what they use. */
const loadedPrograms = new Map<string, number>();
const MAX_LOADED_PROGRAMS = 4;

function loadedDeviceProgram(rules: DeviceRules): number {
  const insns = deviceProgram(rules);
  const key = insns.toString('base64');
  let fd = loadedPrograms.get(key);
  if (fd === undefined) {
    // Device programs call no helpers, so no GPL-only ones: the project's license will do.
    fd = hostCalls().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, insns, 'Apache-2.0');
    if (loadedPrograms.size === MAX_LOADED_PROGRAMS) {
      const [oldest, oldFd] = loadedPrograms.entries().next().value!;
      loadedPrograms.delete(oldest);
      closeSync(oldFd);
    }
    loadedPrograms.set(key, fd);
  }
  return fd;
}

function attachDeviceProgram(dir: string, rules: DeviceRules): void {
  const cgroup = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    hostCalls().bpfProgAttach(loadedDeviceProgram(rules), cgroup, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
  } finally {
    closeSync(cgroup);
  }
}

const permissionDenied = (e: unknown) => ['EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '');

/** A change made that can still be taken back: undo() puts back what was,
 * done() keeps the change; one of them is called, once. */
export interface Revertible {
  undo(): void;
  done(): void;
}

/**
 * Attaches the program of the rules to the cgroup, then detaches every other
 * device program attached to it (found by BPF_PROG_QUERY, as runc finds
 * them: the cgroup is the container's, and only runts attaches there). One
 * an LSM keeps runts from opening is left, as runc leaves it: another device
 * program can only deny more. The detached programs are held by their fds
 * until done(), so undo() can attach them again.
 */
function replaceDeviceProgram(dir: string, rules: DeviceRules): Revertible {
  const host = hostCalls();
  const cgroup = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  const detached: number[] = [];
  let attached: number | undefined;
  const done = () => {
    for (const fd of detached) closeSync(fd);
    closeSync(cgroup);
  };
  const undo = () => {
    try {
      for (const fd of detached) host.bpfProgAttach(fd, cgroup, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
      if (attached !== undefined) host.bpfProgDetach(attached, cgroup, BPF_CGROUP_DEVICE);
    } finally {
      done();
    }
  };
  try {
    const prog = loadedDeviceProgram(rules);
    const id = host.bpfProgId(prog);
    const old = host.bpfProgQuery(cgroup, BPF_CGROUP_DEVICE);
    if (!old.includes(id)) {
      host.bpfProgAttach(prog, cgroup, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
      attached = prog;
    }
    for (const other of old.filter((o) => o !== id)) {
      let fd: number;
      try {
        fd = host.bpfProgGetFdById(other);
      } catch (e) {
        // Unloaded meanwhile, or not ours to open.
        if (permissionDenied(e) || (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      try {
        host.bpfProgDetach(fd, cgroup, BPF_CGROUP_DEVICE);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      detached.push(fd);
    }
  } catch (e) {
    undo();
    throw e;
  }
  return { undo, done };
}

export function procsFiles(p: CgroupPlacement): string[] {
  return p.dirs.map((d) => join(d, 'cgroup.procs'));
}

/**
 * The cgroup.procs files an exec joins: the container's own cgroups, and on
 * v2, where a cgroup that hands domain controllers to its children refuses
 * processes (EBUSY), the cgroup its init is in as the alternative, as runc
 * does: a leaf when the container made cgroups below its own. initCgroup is
 * the init's /proc/<pid>/cgroup; a path outside the container's is not taken.
 */
export function execProcsFiles(p: CgroupPlacement, initCgroup: string, hierarchies = hostHierarchies()): (string | string[])[] {
  const initPath = parseProcCgroup(initCgroup).get('');
  return p.dirs.map((dir, i) => {
    const top = join(dir, 'cgroup.procs');
    const h = hierarchies[i];
    if (h?.version !== 2 || initPath === undefined) return top;
    const rel = h.root !== '/' && initPath.startsWith(`${h.root}/`) ? initPath.slice(h.root.length) : initPath;
    const leaf = join(h.mountPoint, rel);
    return leaf.startsWith(`${dir}/`) ? [top, join(leaf, 'cgroup.procs')] : top;
  });
}

export function cgroupMountSources(p: CgroupPlacement, hierarchies = hostHierarchies()): CgroupMountSource[] {
  return p.dirs.map((dir, i) => {
    const name = p.names[i];
    const h = hierarchies[i];
    const aliases = h && h.version === 1 && h.controllers.length > 1 && name.includes(',') ? h.controllers : [];
    return { name, hostPath: dir, aliases };
  });
}

/** Cgroups below dir, deepest first. A cgroup directory's link count is two
 * plus its sub-cgroups (kernfs keeps it so): a stat spares the readdir of a
 * directory full of control files when, as usual, there is nothing below. */
function descendants(dir: string): string[] {
  if (statSync(dir).nlink <= 2) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    out.push(...descendants(join(dir, e.name)), join(dir, e.name));
  }
  return out;
}

/** Pids in the container's cgroup and the cgroups below it, which a container
 * with a writable cgroup mount can make and move into (read from the first
 * hierarchy that answers). */
export function cgroupPids(p: CgroupPlacement): number[] {
  for (const dir of p.dirs) {
    try {
      return [dir, ...descendants(dir)].flatMap((d) =>
        readFileSync(join(d, 'cgroup.procs'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map(Number),
      );
    } catch {
      continue;
    }
  }
  return [];
}

async function rmdirRetried(dir: string, busyMeansShared: boolean): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // A shared parent (/runts) still used by other containers stays.
      if (code === 'ENOTEMPTY' || (code === 'EBUSY' && busyMeansShared)) return;
      if (code !== 'EBUSY' || attempt > 200) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Removes a container's cgroup with any cgroups the container made below
 * it. EBUSY also means processes still exiting: retried briefly. */
async function removeOwn(dir: string): Promise<void> {
  let below: string[] = [];
  try {
    below = descendants(dir);
  } catch {
    // Already gone.
  }
  for (const d of below) await rmdirRetried(d, false);
  await rmdirRetried(dir, false);
}

/**
 * Removes what create made, with any cgroups the container made below its
 * own. Shared parents (the default /runts, or parents of a cgroupsPath that
 * create had to make) go too once empty, unless `sharedKept` collects them:
 * an engine that runs container after container keeps them, as Docker keeps
 * /docker, and removes them when it closes (see `removeShared`).
 */
export async function removeCgroups(p: CgroupPlacement, sharedKept?: Set<string>): Promise<void> {
  const removals = [...p.created].sort((a, b) => b.length - a.length);
  for (const dir of removals) {
    if (p.dirs.includes(dir)) await removeOwn(dir);
    else if (sharedKept) sharedKept.add(dir);
    else await rmdirRetried(dir, true);
  }
  for (const dir of p.parents) {
    if (sharedKept) sharedKept.add(dir);
    else removeShared([dir]);
  }
}

/** Removes shared parents that no container uses any more, deepest first. */
export function removeShared(dirs: Iterable<string>): void {
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(dir);
    } catch {
      // Still holds other containers, or already gone.
    }
  }
}
