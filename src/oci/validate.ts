// The one boundary where config.json is checked: schema shape and the
// spec's semantic rules. Everything past it trusts the Spec it returns.

import { ConfigError } from './errors.ts';
import { MOUNT_FLAGS, PROPAGATION_FLAGS, RECURSIVE_ATTRS, RLIMITS } from './linux.ts';
import { HOOK_KINDS, NAMESPACE_TYPES, type IdMapping, type LinuxResources, type Process, type Spec } from './spec.ts';
import { checkNetDevices } from './net-devices.ts';
import { checkCpuAffinity, checkIoPriority, checkPersonality, checkScheduler } from './sched.ts';
import { checkSeccomp } from './seccomp.ts';
import { checkSysctls } from './sysctl.ts';
import { refuseUnenforced, refuseUnenforcedProcess } from './unenforced.ts';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  fail(field: string, message: string): never {
    throw new ConfigError(field, message);
  }
  object(v: Json, field: string): Record<string, Json> {
    if (!isObject(v)) this.fail(field, `must be an object, got ${describe(v)}`);
    return v;
  }
  optObject(v: Json, field: string): Record<string, Json> | undefined {
    return v === undefined ? undefined : this.object(v, field);
  }
  string(v: Json, field: string): string {
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${describe(v)}`);
    return v;
  }
  optString(v: Json, field: string): string | undefined {
    return v === undefined ? undefined : this.string(v, field);
  }
  bool(v: Json, field: string): boolean | undefined {
    if (v !== undefined && typeof v !== 'boolean') this.fail(field, `must be a boolean, got ${describe(v)}`);
    return v as boolean | undefined;
  }
  int(v: Json, field: string, min = -Infinity, max = Infinity): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) this.fail(field, `must be between ${min} and ${max}, got ${v}`);
    return v;
  }
  optInt(v: Json, field: string, min?: number, max?: number): number | undefined {
    return v === undefined ? undefined : this.int(v, field, min, max);
  }
  array(v: Json, field: string): Json[] {
    if (!Array.isArray(v)) this.fail(field, `must be an array, got ${describe(v)}`);
    return v;
  }
  optArray(v: Json, field: string): Json[] {
    return v === undefined || v === null ? [] : this.array(v, field);
  }
  strings(v: Json, field: string): string[] {
    return this.optArray(v, field).map((s, i) => this.string(s, `${field}[${i}]`));
  }
  /** A number, or decimal text (JSON keeps a uint64 exact so). */
  uint64(v: Json, field: string): bigint {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) this.fail(field, `${v} is too large for a number: give it as decimal text`);
    if (typeof v !== 'string' || !/^\d+$/.test(v)) this.fail(field, `must be an unsigned 64-bit integer, got ${describe(v)}`);
    const n = BigInt(v);
    if (n > UINT64_MAX) this.fail(field, `must be at most ${UINT64_MAX} (unlimited), got ${v}`);
    return n;
  }
  absolute(v: Json, field: string): string {
    const s = this.string(v, field);
    if (!s.startsWith('/')) this.fail(field, `must be an absolute path, got "${s}"`);
    return s;
  }
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : String(v);
}

const UINT32 = 0xffffffff;
const UINT64_MAX = 2n ** 64n - 1n;

type Reviver = (this: Record<string, Json>, key: string, value: Json, context: { source?: string }) => Json;

/** JSON text to a value. An rlimit's soft and hard, and a seccomp argument's
 * value and valueTwo, are uint64s that no double holds whole: they keep their digits as text. */
export function parseJson(text: string): Json {
  const exact: Reviver = function (key, value, context) {
    const rlimit = (key === 'soft' || key === 'hard') && typeof this.type === 'string';
    const seccompArg = (key === 'value' || key === 'valueTwo') && typeof this.op === 'string';
    return (rlimit || seccompArg) && typeof value === 'number' && context.source !== undefined ? context.source : value;
  };
  try {
    return JSON.parse(text, exact as Parameters<typeof JSON.parse>[1]);
  } catch (e) {
    throw new ConfigError('(document)', `not valid JSON: ${(e as Error).message}`);
  }
}

/** Parses and validates config.json text; throws ConfigError naming the field. */
export function parseSpec(text: string): Spec {
  return validateSpec(parseJson(text));
}

/** Parses and validates a process.json (exec --process). */
export function parseProcess(text: string): Process {
  return validateProcess(parseJson(text));
}

export function validateSpec(raw: Json): Spec {
  const c = new Checker();
  const spec = c.object(raw, '(document)');
  const version = c.string(spec.ociVersion, 'ociVersion');
  if (!/^1\.\d+\.\d+(-[\w.+-]+)?(\+[\w.-]+)?$/.test(version))
    c.fail('ociVersion', `unsupported version "${version}" (this runtime implements 1.x)`);

  const root = c.optObject(spec.root, 'root');
  if (root) {
    c.string(root.path, 'root.path');
    if (root.path === '') c.fail('root.path', 'must not be empty');
    c.bool(root.readonly, 'root.readonly');
  }
  c.optString(spec.hostname, 'hostname');
  c.optString(spec.domainname, 'domainname');
  checkMounts(c, spec.mounts);
  checkProcess(c, spec.process);
  checkHooks(c, spec.hooks);
  const annotations = c.optObject(spec.annotations, 'annotations');
  for (const [k, v] of Object.entries(annotations ?? {})) c.string(v, `annotations.${k}`);
  const namespaces = checkLinux(c, spec.linux);
  refuseUnenforced(spec);
  checkSysctls(raw as Spec, namespaces);

  if (spec.hostname !== undefined && spec.hostname !== '' && !namespaces.has('uts'))
    c.fail('hostname', 'setting the hostname requires a new uts namespace (linux.namespaces has none)');
  if (spec.domainname !== undefined && spec.domainname !== '' && !namespaces.has('uts'))
    c.fail('domainname', 'setting the domainname requires a new uts namespace (linux.namespaces has none)');
  return raw as Spec;
}

function checkMounts(c: Checker, v: Json): void {
  c.optArray(v, 'mounts').forEach((m, i) => {
    const f = `mounts[${i}]`;
    const mount = c.object(m, f);
    c.absolute(mount.destination, `${f}.destination`);
    c.optString(mount.type, `${f}.type`);
    c.optString(mount.source, `${f}.source`);
    for (const [j, opt] of c.strings(mount.options, `${f}.options`).entries()) {
      const name = opt.split('=')[0];
      const known = name in MOUNT_FLAGS || name in PROPAGATION_FLAGS || name in RECURSIVE_ATTRS || opt.includes('=');
      const isBindOnly = name === 'idmap' || name === 'ridmap' || name === 'tmpcopyup';
      if (!known && !isBindOnly && !/^[\w.-]+$/.test(opt)) c.fail(`${f}.options[${j}]`, `malformed option "${opt}"`);
    }
    checkIdmappedMount(c, mount, f);
  });
}

/** An idmapped mount (runtime-spec 1.2): a bind with uidMappings and gidMappings, or with the
 * idmap or ridmap option, which without mappings takes the container's (checked by the planner). */
function checkIdmappedMount(c: Checker, mount: Record<string, Json>, f: string): void {
  const uid = idMappings(c, mount.uidMappings, `${f}.uidMappings`);
  const gid = idMappings(c, mount.gidMappings, `${f}.gidMappings`);
  const options = (mount.options ?? []) as string[];
  const option = options.findIndex((o) => o === 'idmap' || o === 'ridmap');
  if (!uid.length && !gid.length && option < 0) return;
  if (uid.length && !gid.length) c.fail(`${f}.gidMappings`, 'an idmapped mount needs gidMappings with its uidMappings');
  if (gid.length && !uid.length) c.fail(`${f}.uidMappings`, 'an idmapped mount needs uidMappings with its gidMappings');
  const bind = mount.type === 'bind' || options.some((o) => o === 'bind' || o === 'rbind');
  if (!bind) c.fail(uid.length ? `${f}.uidMappings` : `${f}.options[${option}]`, 'idmapped mounts are bind mounts only (options need "bind" or "rbind")');
}

/** Mappings the kernel would take: no two overlap on either side, none runs past 2^32-1, at most
 * 340 (the kernel's limit). The error names the mapping. */
function checkMappingSet(c: Checker, maps: IdMapping[], field: string): void {
  if (maps.length > 340) c.fail(field, `at most 340 mappings, got ${maps.length}`);
  maps.forEach((m, i) => {
    for (const side of ['containerID', 'hostID'] as const) {
      if (m[side] + m.size - 1 > UINT32 - 1) c.fail(`${field}[${i}]`, `${side} ${m[side]} + size ${m.size} runs past the last id (${UINT32 - 1})`);
      const j = maps.findIndex((o, k) => k < i && m[side] < o[side] + o.size && o[side] < m[side] + m.size);
      if (j >= 0) c.fail(`${field}[${i}]`, `its ${side} range overlaps ${field}[${j}]'s`);
    }
  });
}

/** Validates a process.json given to exec --process. */
export function validateProcess(raw: Json): Process {
  checkProcess(new Checker(), raw, 'process');
  return raw as Process;
}

function checkProcess(c: Checker, v: Json, _root = 'process'): void {
  const p = c.optObject(v, 'process');
  if (!p) return;
  c.bool(p.terminal, 'process.terminal');
  const size = c.optObject(p.consoleSize, 'process.consoleSize');
  if (size) {
    c.int(size.height, 'process.consoleSize.height', 0, 65535);
    c.int(size.width, 'process.consoleSize.width', 0, 65535);
  }
  const user = c.object(p.user, 'process.user');
  c.int(user.uid, 'process.user.uid', 0, UINT32);
  c.int(user.gid, 'process.user.gid', 0, UINT32);
  c.optInt(user.umask, 'process.user.umask', 0, 0o777);
  c.optArray(user.additionalGids, 'process.user.additionalGids').forEach((g, i) =>
    c.int(g, `process.user.additionalGids[${i}]`, 0, UINT32),
  );
  const args = c.strings(p.args, 'process.args');
  if (args.length === 0) c.fail('process.args', 'must name the program to run');
  for (const [i, e] of c.strings(p.env, 'process.env').entries())
    if (!e.includes('=')) c.fail(`process.env[${i}]`, `must be KEY=value, got "${e}"`);
  c.absolute(p.cwd, 'process.cwd');
  // Names this runtime or the kernel does not know are skipped with a warning (runtime-spec 1.2, runc): plan/process.ts.
  const caps = c.optObject(p.capabilities, 'process.capabilities');
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) c.strings(caps?.[set], `process.capabilities.${set}`);
  checkScheduler(p.scheduler, 'process.scheduler');
  checkIoPriority(p.ioPriority, 'process.ioPriority');
  checkCpuAffinity(p.execCPUAffinity, 'process.execCPUAffinity');
  const seen = new Set<string>();
  c.optArray(p.rlimits, 'process.rlimits').forEach((r, i) => {
    const f = `process.rlimits[${i}]`;
    const rl = c.object(r, f);
    const type = c.string(rl.type, `${f}.type`);
    if (!(type in RLIMITS)) c.fail(`${f}.type`, `unknown rlimit "${type}"`);
    if (seen.has(type)) c.fail(`${f}.type`, `duplicate rlimit "${type}"`);
    seen.add(type);
    const soft = c.uint64(rl.soft, `${f}.soft`);
    const hard = c.uint64(rl.hard, `${f}.hard`);
    if (soft > hard) c.fail(`${f}.soft`, `soft limit ${soft} exceeds hard limit ${hard}`);
  });
  c.bool(p.noNewPrivileges, 'process.noNewPrivileges');
  c.optInt(p.oomScoreAdj, 'process.oomScoreAdj', -1000, 1000);
  c.optString(p.apparmorProfile, 'process.apparmorProfile');
  c.optString(p.selinuxLabel, 'process.selinuxLabel');
  refuseUnenforcedProcess(p);
}

function checkHooks(c: Checker, v: Json): void {
  const hooks = c.optObject(v, 'hooks');
  if (!hooks) return;
  for (const kind of Object.keys(hooks)) {
    if (!(HOOK_KINDS as readonly string[]).includes(kind)) c.fail(`hooks.${kind}`, 'unknown hook kind');
    c.optArray(hooks[kind], `hooks.${kind}`).forEach((h, i) => {
      const f = `hooks.${kind}[${i}]`;
      const hook = c.object(h, f);
      c.absolute(hook.path, `${f}.path`);
      c.strings(hook.args, `${f}.args`);
      c.strings(hook.env, `${f}.env`);
      c.optInt(hook.timeout, `${f}.timeout`, 1);
    });
  }
}

function idMappings(c: Checker, v: Json, field: string): IdMapping[] {
  const maps = c.optArray(v, field).map((m, i) => {
    const o = c.object(m, `${field}[${i}]`);
    return {
      containerID: c.int(o.containerID, `${field}[${i}].containerID`, 0, UINT32),
      hostID: c.int(o.hostID, `${field}[${i}].hostID`, 0, UINT32),
      size: c.int(o.size, `${field}[${i}].size`, 1, UINT32),
    };
  });
  checkMappingSet(c, maps, field);
  return maps;
}

/** Linux device numbers: a 12-bit major, a 20-bit minor. */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

/** linux.resources.devices: the devices cgroup's rules (applied in
 * cgroups/devices.ts). A major or minor of -1 means any, as an absent one
 * (Docker writes -1 for a "*" in --device-cgroup-rule; runc takes it). Type
 * "a" is the devices cgroup's switch between allowing and denying
 * everything, so it takes no numbers and every access: a narrower rule names
 * "b" or "c". */
function checkDeviceRules(c: Checker, v: Json, at: string): void {
  c.optArray(v, at).forEach((d, i) => {
    const f = `${at}[${i}]`;
    const rule = c.object(d, f);
    if (typeof rule.allow !== 'boolean') c.fail(`${f}.allow`, `must be a boolean, got ${describe(rule.allow)}`);
    const type = c.optString(rule.type, `${f}.type`) ?? 'a';
    if (!['a', 'b', 'c'].includes(type)) c.fail(`${f}.type`, `unknown device type "${type}" (valid: a, b, c)`);
    const major = c.optInt(rule.major, `${f}.major`, -1, MAX_MAJOR) ?? -1;
    const minor = c.optInt(rule.minor, `${f}.minor`, -1, MAX_MINOR) ?? -1;
    const access = c.optString(rule.access, `${f}.access`) ?? 'rwm';
    if (!/^[rwm]+$/.test(access) || new Set(access).size !== access.length)
      c.fail(`${f}.access`, `must be one or more distinct letters of "rwm", got "${access}"`);
    if (type !== 'a') return;
    const narrowing = major >= 0 ? 'major' : minor >= 0 ? 'minor' : access.length !== 3 ? 'access' : undefined;
    if (narrowing)
      c.fail(`${f}.${narrowing}`, 'a rule of type "a" switches every device at once: it takes no major or minor and only access "rwm" (a narrower rule names type "b" or "c")');
  });
}

const INT64 = (c: Checker, v: Json, field: string, min = -1, max = Number.MAX_SAFE_INTEGER) =>
  c.optInt(v, field, min, max);

/** A cpuset list: "0-3,7", or empty (the parent's). */
const CPU_LIST = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$|^$/;

/** linux.resources: shapes and ranges once, here. What the host can apply is
 * the planner's (runtime/cgroups/resources.ts); a value the kernel refuses,
 * the applier's. update's --resources goes through validateResources. */
function checkResources(c: Checker, r: Record<string, Json> | undefined, at = 'linux.resources'): void {
  if (!r) return;
  const known = ['devices', 'memory', 'cpu', 'pids', 'blockIO', 'hugepageLimits', 'network', 'rdma', 'unified'];
  for (const k of Object.keys(r)) if (!known.includes(k) && r[k] !== undefined && r[k] !== null) c.fail(`${at}.${k}`, 'unknown resource: refused rather than ignored');
  checkDeviceRules(c, r.devices, `${at}.devices`);
  const mem = c.optObject(r.memory ?? undefined, `${at}.memory`);
  if (mem) {
    for (const k of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']) INT64(c, mem[k], `${at}.memory.${k}`);
    c.optInt(mem.swappiness, `${at}.memory.swappiness`, 0, 100);
    for (const k of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']) c.bool(mem[k], `${at}.memory.${k}`);
    const { limit, swap } = mem as { limit?: number; swap?: number };
    if (limit !== undefined && swap !== undefined && limit > 0 && swap > 0 && swap < limit)
      c.fail(`${at}.memory.swap`, `is memory+swap: ${swap} is below the memory limit ${limit}`);
  }
  const cpu = c.optObject(r.cpu ?? undefined, `${at}.cpu`);
  if (cpu) {
    const shares = c.optInt(cpu.shares, `${at}.cpu.shares`, 0, 262144);
    if (shares === 1) c.fail(`${at}.cpu.shares`, 'must be 0 (unset) or between 2 and 262144, got 1');
    INT64(c, cpu.quota, `${at}.cpu.quota`);
    INT64(c, cpu.realtimeRuntime, `${at}.cpu.realtimeRuntime`);
    for (const k of ['burst', 'period', 'realtimePeriod']) INT64(c, cpu[k], `${at}.cpu.${k}`, 0);
    c.optInt(cpu.idle, `${at}.cpu.idle`, 0, 1);
    for (const k of ['cpus', 'mems']) {
      const list = c.optString(cpu[k], `${at}.cpu.${k}`);
      if (list !== undefined && !CPU_LIST.test(list)) c.fail(`${at}.cpu.${k}`, `must be a list such as "0-3,7", got "${list}"`);
    }
  }
  const pids = c.optObject(r.pids ?? undefined, `${at}.pids`);
  if (pids) INT64(c, pids.limit, `${at}.pids.limit`);
  const blkio = c.optObject(r.blockIO ?? undefined, `${at}.blockIO`);
  if (blkio) {
    const weight = (v: Json, f: string) => {
      const w = c.optInt(v, f, 0, 1000);
      if (w !== undefined && w !== 0 && w < 10) c.fail(f, `must be between 10 and 1000, got ${w}`);
    };
    weight(blkio.weight, `${at}.blockIO.weight`);
    weight(blkio.leafWeight, `${at}.blockIO.leafWeight`);
    const device = (d: Json, f: string) => {
      const o = c.object(d, f);
      c.int(o.major, `${f}.major`, 0, MAX_MAJOR);
      c.int(o.minor, `${f}.minor`, 0, MAX_MINOR);
      return o;
    };
    c.optArray(blkio.weightDevice, `${at}.blockIO.weightDevice`).forEach((d, i) => {
      const f = `${at}.blockIO.weightDevice[${i}]`;
      const o = device(d, f);
      weight(o.weight, `${f}.weight`);
      weight(o.leafWeight, `${f}.leafWeight`);
    });
    for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'])
      c.optArray(blkio[k], `${at}.blockIO.${k}`).forEach((d, i) => INT64(c, device(d, `${at}.blockIO.${k}[${i}]`).rate, `${at}.blockIO.${k}[${i}].rate`, 0));
  }
  c.optArray(r.hugepageLimits, `${at}.hugepageLimits`).forEach((h, i) => {
    const f = `${at}.hugepageLimits[${i}]`;
    const o = c.object(h, f);
    const size = c.string(o.pageSize, `${f}.pageSize`);
    if (!/^\d+[KMGTP]B$/.test(size)) c.fail(`${f}.pageSize`, `must be a size such as "2MB" or "1GB", got "${size}"`);
    c.int(o.limit, `${f}.limit`, 0, Number.MAX_SAFE_INTEGER);
  });
  const net = c.optObject(r.network ?? undefined, `${at}.network`);
  if (net) {
    c.optInt(net.classID, `${at}.network.classID`, 0, UINT32);
    c.optArray(net.priorities, `${at}.network.priorities`).forEach((p, i) => {
      const o = c.object(p, `${at}.network.priorities[${i}]`);
      const name = c.string(o.name, `${at}.network.priorities[${i}].name`);
      if (!/^[^\s/]+$/.test(name)) c.fail(`${at}.network.priorities[${i}].name`, `"${name}" is not an interface name`);
      c.int(o.priority, `${at}.network.priorities[${i}].priority`, 0, UINT32);
    });
  }
  for (const [dev, v] of Object.entries(c.optObject(r.rdma ?? undefined, `${at}.rdma`) ?? {})) {
    if (!/^[^\s/]+$/.test(dev)) c.fail(`${at}.rdma`, `"${dev}" is not an RDMA device name`);
    const o = c.object(v, `${at}.rdma.${dev}`);
    c.optInt(o.hcaHandles, `${at}.rdma.${dev}.hcaHandles`, 0, UINT32);
    c.optInt(o.hcaObjects, `${at}.rdma.${dev}.hcaObjects`, 0, UINT32);
  }
  for (const [key, v] of Object.entries(c.optObject(r.unified ?? undefined, `${at}.unified`) ?? {})) {
    // A file of the container's own cgroup: never a path that leads elsewhere.
    if (!/^[a-z_]+\.[\w.]+$/.test(key)) c.fail(`${at}.unified.${key}`, 'must be a file name of the form controller.parameter');
    c.string(v, `${at}.unified.${key}`);
  }
}

function checkIntelRdt(c: Checker, rdt: Record<string, Json> | undefined): void {
  if (!rdt) return;
  const clos = c.optString(rdt.closID, 'linux.intelRdt.closID');
  // A directory of the resctrl root (or "/", the root itself): never a path that leads elsewhere.
  if (clos !== undefined && clos !== '/' && !/^[\w.+-]+$/.test(clos) || clos === '.' || clos === '..')
    c.fail('linux.intelRdt.closID', `"${clos}" is not a resctrl group name`);
  c.optString(rdt.l3CacheSchema, 'linux.intelRdt.l3CacheSchema');
  const mb = c.optString(rdt.memBwSchema, 'linux.intelRdt.memBwSchema');
  if (mb !== undefined && (!mb.startsWith('MB:') || mb.includes('\n'))) c.fail('linux.intelRdt.memBwSchema', 'must be one line starting with "MB:"');
  for (const [i, line] of c.strings(rdt.schemata, 'linux.intelRdt.schemata').entries())
    if (line.includes('\n')) c.fail(`linux.intelRdt.schemata[${i}]`, 'must be one line');
  c.bool(rdt.enableMonitoring, 'linux.intelRdt.enableMonitoring');
}

/** Validates a LinuxResources given to update (a --resources file, or the library's call). */
export function validateResources(raw: Json): LinuxResources {
  const c = new Checker();
  checkResources(c, c.object(raw, 'linux.resources'));
  return raw as LinuxResources;
}

/** Returns the set of namespace types the container gets (new or joined). */
function checkLinux(c: Checker, v: Json): Set<string> {
  const linux = c.optObject(v, 'linux');
  const types = new Set<string>();
  if (!linux) return types;
  c.optArray(linux.namespaces, 'linux.namespaces').forEach((n, i) => {
    const f = `linux.namespaces[${i}]`;
    const ns = c.object(n, f);
    const type = c.string(ns.type, `${f}.type`);
    if (!(NAMESPACE_TYPES as readonly string[]).includes(type))
      c.fail(`${f}.type`, `unknown namespace type "${type}" (valid: ${NAMESPACE_TYPES.join(', ')})`);
    if (types.has(type)) c.fail(`${f}.type`, `duplicate namespace "${type}"`);
    types.add(type);
    if (ns.path !== undefined) c.absolute(ns.path, `${f}.path`);
  });
  const uid = idMappings(c, linux.uidMappings, 'linux.uidMappings');
  const gid = idMappings(c, linux.gidMappings, 'linux.gidMappings');
  if ((uid.length || gid.length) && !types.has('user'))
    c.fail(uid.length ? 'linux.uidMappings' : 'linux.gidMappings', 'mappings require a user namespace');
  const userNs = c.optArray(linux.namespaces, 'linux.namespaces').find((n) => isObject(n) && n.type === 'user') as
    | Record<string, Json>
    | undefined;
  if (userNs && userNs.path === undefined) {
    if (!uid.length) c.fail('linux.uidMappings', 'a new user namespace needs uid mappings');
    if (!gid.length) c.fail('linux.gidMappings', 'a new user namespace needs gid mappings');
  }
  if (userNs?.path !== undefined && (uid.length || gid.length))
    c.fail('linux.uidMappings', 'mappings cannot be set when joining an existing user namespace');
  const offsets = c.optObject(linux.timeOffsets, 'linux.timeOffsets');
  for (const [clock, off] of Object.entries(offsets ?? {})) {
    if (clock !== 'monotonic' && clock !== 'boottime') c.fail(`linux.timeOffsets.${clock}`, 'unknown clock');
    const o = c.object(off, `linux.timeOffsets.${clock}`);
    c.optInt(o.secs, `linux.timeOffsets.${clock}.secs`);
    c.optInt(o.nanosecs, `linux.timeOffsets.${clock}.nanosecs`, 0, 999999999);
  }
  if (offsets && !types.has('time')) c.fail('linux.timeOffsets', 'time offsets require a time namespace');
  c.optArray(linux.devices, 'linux.devices').forEach((d, i) => {
    const f = `linux.devices[${i}]`;
    const dev = c.object(d, f);
    const type = c.string(dev.type, `${f}.type`);
    if (!['c', 'b', 'u', 'p'].includes(type)) c.fail(`${f}.type`, `unknown device type "${type}"`);
    c.absolute(dev.path, `${f}.path`);
    if (type !== 'p') {
      c.int(dev.major, `${f}.major`, 0);
      c.int(dev.minor, `${f}.minor`, 0);
    }
    c.optInt(dev.fileMode, `${f}.fileMode`, 0, 0o7777);
    c.optInt(dev.uid, `${f}.uid`, 0, UINT32);
    c.optInt(dev.gid, `${f}.gid`, 0, UINT32);
  });
  checkResources(c, c.optObject(linux.resources, 'linux.resources'));
  checkIntelRdt(c, c.optObject(linux.intelRdt ?? undefined, 'linux.intelRdt'));
  // slice:prefix:name is the systemd driver's form; runts would make it a literal directory.
  if (c.optString(linux.cgroupsPath, 'linux.cgroupsPath')?.includes(':'))
    c.fail('linux.cgroupsPath', `"${linux.cgroupsPath}" is in the systemd driver's form (slice:prefix:name), and runts has no systemd cgroup driver yet`);
  const prop = c.optString(linux.rootfsPropagation, 'linux.rootfsPropagation');
  if (prop !== undefined && !['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable'].includes(prop))
    c.fail('linux.rootfsPropagation', `unknown propagation "${prop}"`);
  for (const [k, val] of Object.entries(c.optObject(linux.sysctl, 'linux.sysctl') ?? {})) c.string(val, `linux.sysctl.${k}`);
  c.strings(linux.maskedPaths, 'linux.maskedPaths').forEach((p, i) => c.absolute(p, `linux.maskedPaths[${i}]`));
  c.strings(linux.readonlyPaths, 'linux.readonlyPaths').forEach((p, i) => c.absolute(p, `linux.readonlyPaths[${i}]`));
  checkPersonality(linux.personality, 'linux.personality');
  checkNetDevices(linux.netDevices, 'linux.netDevices', types);
  checkSeccomp(linux.seccomp);
  return types;
}
