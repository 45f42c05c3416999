// `berth run` and `berth create` flags, Docker's, into a ContainerConfig.
// Every flag is checked here and named when it is wrong; the engine checks
// the config again as a library call's (spec/build.ts).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type FlagSpec, type Flags, parseArgs } from '../args.ts';
import { parseDuration } from '../duration.ts';
import type { ContainerConfig, DeviceRequest, MountRequest, Resources, RestartPolicy, SecurityOptions, Ulimit } from '../../engine/config.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import { checkPullPolicy, type PullPolicy } from '../../engine/containers/image.ts';
import { validPermissions } from '../../engine/spec/devices.ts';
import { ULIMIT_NAMES } from '../../engine/spec/ulimits.ts';

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'detach', alias: 'd', type: 'bool' },
  { name: 'interactive', alias: 'i', type: 'bool' },
  { name: 'tty', alias: 't', type: 'bool' },
  { name: 'rm', type: 'bool' },
  { name: 'name', type: 'string' },
  { name: 'env', alias: 'e', type: 'multi' },
  { name: 'env-file', type: 'multi' },
  { name: 'workdir', alias: 'w', type: 'string' },
  { name: 'user', alias: 'u', type: 'string' },
  { name: 'entrypoint', type: 'string' },
  { name: 'volume', alias: 'v', type: 'multi' },
  { name: 'tmpfs', type: 'multi' },
  { name: 'mount', type: 'multi' },
  { name: 'hostname', alias: 'h', type: 'string' },
  { name: 'memory', alias: 'm', type: 'string' },
  { name: 'memory-swap', type: 'string' },
  { name: 'cpus', type: 'string' },
  { name: 'cpu-shares', alias: 'c', type: 'string' },
  { name: 'cpuset-cpus', type: 'string' },
  { name: 'pids-limit', type: 'string' },
  { name: 'device', type: 'multi' },
  { name: 'cap-add', type: 'multi' },
  { name: 'cap-drop', type: 'multi' },
  { name: 'privileged', type: 'bool' },
  { name: 'read-only', type: 'bool' },
  { name: 'security-opt', type: 'multi' },
  { name: 'ulimit', type: 'multi' },
  { name: 'sysctl', type: 'multi' },
  { name: 'shm-size', type: 'string' },
  { name: 'init', type: 'bool' },
  { name: 'stop-signal', type: 'string' },
  { name: 'stop-timeout', type: 'string' },
  { name: 'restart', type: 'string' },
  { name: 'label', alias: 'l', type: 'multi' },
  { name: 'annotation', type: 'multi' },
  { name: 'pull', type: 'string' },
  { name: 'platform', type: 'string' },
  { name: 'runtime', type: 'string' },
  { name: 'log-opt', type: 'multi' },
  { name: 'health-cmd', type: 'string' },
  { name: 'health-interval', type: 'string' },
  { name: 'health-retries', type: 'string' },
  { name: 'health-timeout', type: 'string' },
  { name: 'health-start-period', type: 'string' },
  { name: 'no-healthcheck', type: 'bool' },
  { name: 'network', alias: 'net', type: 'string' },
  { name: 'publish', alias: 'p', type: 'multi' },
  { name: 'quiet', alias: 'q', type: 'bool' },
];

export interface RunRequest {
  config: ContainerConfig;
  detach: boolean;
  pull: PullPolicy;
  quiet: boolean;
}

const str = (f: Flags, n: string) => f[n] as string | undefined;
const multi = (f: Flags, n: string) => (f[n] as string[] | undefined) ?? [];

/** Bytes from Docker's size syntax: 512, 64k, 100m, 1g (powers of 1024; b optional). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(flag, `invalid size "${text}" (bytes, or with a k, m, g or t suffix)`);
  return Math.round(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
}

/** K=V items (--label, --opt...) as a record; a bare K is K="". */
export function keyValues(flag: string, items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of items) {
    const eq = kv.indexOf('=');
    if (eq === 0) throw new InvalidArgumentError(flag, `"${kv}" has no key`);
    if (eq < 0) out[kv] = '';
    else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** -e K=V; a bare K takes the caller's value of K, as Docker's. */
export function envList(flags: Flags): string[] {
  const out: string[] = [];
  for (const file of multi(flags, 'env-file')) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InvalidArgumentError('--env-file', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const line of text.split('\n')) {
      const l = line.trim();
      if (l && !l.startsWith('#')) out.push(l);
    }
  }
  out.push(...multi(flags, 'env'));
  return out.flatMap((kv) => {
    if (kv.startsWith('=')) throw new InvalidArgumentError('--env', `"${kv}" has no variable name`);
    if (kv.includes('=')) return [kv];
    const v = process.env[kv];
    return v === undefined ? [] : [`${kv}=${v}`];
  });
}

/** -v SRC:DST[:OPTS]: an absolute SRC binds a host path, else names a volume; -v DST alone is an anonymous volume. */
export function parseVolume(text: string): MountRequest {
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new InvalidArgumentError('--volume', `invalid volume specification "${text}" (SRC:DST[:OPTIONS])`);
  if (parts.length === 1) return { type: 'volume', target: parts[0] };
  const [source, target, opts = ''] = parts;
  const m: MountRequest = { type: source.startsWith('/') ? 'bind' : 'volume', source, target };
  for (const o of opts ? opts.split(',') : []) {
    if (o === 'ro') m.readonly = true;
    else if (o === 'rw') m.readonly = false;
    else if (o === 'z' || o === 'Z') process.stderr.write(`berth: warning: --volume ${text}: "${o}" (SELinux relabelling) is ignored: no SELinux here\n`);
    else if (o === 'nocopy' && m.type === 'volume') m.noCopy = true;
    else if (['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'].includes(o) && m.type === 'bind') m.propagation = o;
    else throw new InvalidArgumentError('--volume', `"${text}": unknown option "${o}"`);
  }
  return m;
}

/** --tmpfs DST[:size=N,mode=M,...]. */
export function parseTmpfs(text: string): MountRequest {
  const colon = text.indexOf(':');
  const target = colon < 0 ? text : text.slice(0, colon);
  const m: MountRequest = { type: 'tmpfs', target };
  for (const o of colon < 0 ? [] : text.slice(colon + 1).split(',')) {
    const [k, v] = o.split('=', 2);
    if (k === 'size' && v) m.tmpfsSize = parseBytes('--tmpfs', v);
    else if (k === 'mode' && v && /^[0-7]{1,4}$/.test(v)) m.tmpfsMode = parseInt(v, 8);
    else if (k === 'ro') m.readonly = true;
    else if (k === 'rw') m.readonly = false;
    else throw new InvalidArgumentError('--tmpfs', `"${text}": unknown option "${o}" (size=, mode=, ro, rw)`);
  }
  return m;
}

/** --mount type=bind|volume|tmpfs,source=...,target=...,readonly,... */
export function parseMount(text: string): MountRequest {
  const kv: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    kv[(eq < 0 ? part : part.slice(0, eq)).trim()] = eq < 0 ? 'true' : part.slice(eq + 1);
  }
  const type = kv.type ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new InvalidArgumentError('--mount', `"${text}": type must be bind, volume or tmpfs`);
  const target = kv.target ?? kv.destination ?? kv.dst;
  if (!target) throw new InvalidArgumentError('--mount', `"${text}": target is required`);
  const m: MountRequest = { type, target };
  const source = kv.source ?? kv.src;
  if (source !== undefined) m.source = source;
  for (const [k, v] of Object.entries(kv)) {
    if (['type', 'target', 'destination', 'dst', 'source', 'src'].includes(k)) continue;
    if (k === 'readonly' || k === 'ro') m.readonly = v !== 'false' && v !== '0';
    else if (k === 'bind-propagation' && type === 'bind') m.propagation = v;
    else if (k === 'tmpfs-size' && type === 'tmpfs') m.tmpfsSize = parseBytes('--mount', v);
    else if (k === 'tmpfs-mode' && type === 'tmpfs' && /^[0-7]{1,4}$/.test(v)) m.tmpfsMode = parseInt(v, 8);
    else if (k === 'volume-nocopy' && type === 'volume') m.noCopy = v !== 'false';
    else throw new InvalidArgumentError('--mount', `"${text}": unknown or misplaced option "${k}"`);
  }
  if (type === 'bind' && !m.source) throw new InvalidArgumentError('--mount', `"${text}": a bind needs a source`);
  return m;
}

export function parseRestart(text: string): RestartPolicy {
  const [name, count] = text.split(':', 2);
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) throw new InvalidArgumentError('--restart', `"${text}": only on-failure takes a count`);
    return { name };
  }
  if (name === 'on-failure') {
    if (count === undefined) return { name };
    if (!/^\d+$/.test(count)) throw new InvalidArgumentError('--restart', `"${text}": the count must be a whole number`);
    return { name, maxRetries: Number(count) };
  }
  throw new InvalidArgumentError('--restart', `"${text}" is not one of no, on-failure[:N], always, unless-stopped`);
}

function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(flag, `"${text}" is not a whole number`);
  return Number(text);
}

/** A Go duration, 0 or more (Docker refuses a negative health interval, timeout or start period). */
function durationMs(flag: string, text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text, flag);
  } catch (e) {
    throw new InvalidArgumentError(flag, (e as Error).message.replace(`${flag}: `, ''));
  }
  if (ms < 0) throw new InvalidArgumentError(flag, `"${text}" is negative`);
  return ms;
}

function wholeNumber(flag: string, text: string, min = 0): number {
  if (!/^-?\d+$/.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(flag, `"${text}" is not a whole number${min < 0 ? ' (or -1)' : ''}`);
  return Number(text);
}

/** --memory, --memory-swap (-1: unlimited), --cpus (decimal), --cpu-shares, --cpuset-cpus, --pids-limit (-1: unlimited). */
export function parseResources(flags: Flags): Resources {
  const r: Resources = {};
  const m = str(flags, 'memory');
  if (m !== undefined) r.memory = parseBytes('--memory', m);
  const swap = str(flags, 'memory-swap');
  if (swap !== undefined) r.memorySwap = swap.trim() === '-1' ? -1 : parseBytes('--memory-swap', swap);
  const cpus = str(flags, 'cpus');
  if (cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(cpus.trim())) throw new InvalidArgumentError('--cpus', `"${cpus}" is not a number of CPUs (1.5)`);
    r.nanoCpus = Math.round(Number(cpus) * 1e9);
  }
  const shares = str(flags, 'cpu-shares');
  if (shares !== undefined) r.cpuShares = wholeNumber('--cpu-shares', shares);
  const cpuset = str(flags, 'cpuset-cpus');
  if (cpuset !== undefined) {
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpuset)) throw new InvalidArgumentError('--cpuset-cpus', `"${cpuset}" is not a list of CPUs and ranges (0-3,6)`);
    r.cpusetCpus = cpuset;
  }
  const pids = str(flags, 'pids-limit');
  if (pids !== undefined) r.pidsLimit = wholeNumber('--pids-limit', pids, -1);
  return r;
}

/** --device HOST[:CONTAINER][:PERMS], Docker's reading: a second part of only r, w and m is the permissions. */
export function parseDevice(text: string): DeviceRequest {
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new InvalidArgumentError('--device', `invalid device specification "${text}" (HOST[:CONTAINER][:PERMISSIONS])`);
  const d: DeviceRequest = { hostPath: parts[0] };
  if (parts.length === 3) {
    d.containerPath = parts[1];
    d.permissions = parts[2];
  } else if (parts.length === 2) {
    if (validPermissions(parts[1])) d.permissions = parts[1];
    else d.containerPath = parts[1];
  }
  if (d.permissions !== undefined && !validPermissions(d.permissions)) throw new InvalidArgumentError('--device', `"${text}": "${d.permissions}" is not a combination of r, w and m`);
  for (const p of [d.hostPath, d.containerPath]) if (p !== undefined && !p.startsWith('/')) throw new InvalidArgumentError('--device', `"${text}": "${p}" is not an absolute path`);
  return d;
}

/** --security-opt seccomp=PROFILE|unconfined, no-new-privileges[:true|false], apparmor=PROFILE, label=...; Docker's old ":" separator too.
 * A profile's path is made absolute: the engine reads it, maybe from another directory. */
export function parseSecurityOpts(opts: string[]): SecurityOptions {
  const s: SecurityOptions = {};
  for (const o of opts) {
    if (o === 'no-new-privileges') {
      s.noNewPrivileges = true;
      continue;
    }
    const sep = o.includes('=') ? '=' : ':';
    const at = o.indexOf(sep);
    const [k, v] = at < 0 ? [o, ''] : [o.slice(0, at), o.slice(at + 1)];
    if (k === 'no-new-privileges') {
      if (v !== 'true' && v !== 'false') throw new InvalidArgumentError('--security-opt', `"${o}": no-new-privileges takes true or false`);
      s.noNewPrivileges = v === 'true';
    } else if (k === 'seccomp' && v) s.seccomp = v === 'unconfined' ? v : resolve(v);
    else if (k === 'apparmor' && v) s.apparmor = v;
    else if (k === 'label' && v) (s.label ??= []).push(v);
    else throw new InvalidArgumentError('--security-opt', `"${o}" is not one of seccomp=PROFILE|unconfined, no-new-privileges[=true|false], apparmor=PROFILE, label=...`);
  }
  return s;
}

/** --ulimit NAME=SOFT[:HARD]: HARD defaults to SOFT; -1 or "unlimited" for no limit. */
export function parseUlimit(text: string): Ulimit {
  const m = /^([a-z]+)=([^:]+)(?::([^:]+))?$/.exec(text);
  if (!m) throw new InvalidArgumentError('--ulimit', `invalid ulimit "${text}" (NAME=SOFT[:HARD])`);
  if (!(m[1] in ULIMIT_NAMES)) throw new InvalidArgumentError('--ulimit', `"${text}": unknown limit "${m[1]}" (${Object.keys(ULIMIT_NAMES).join(', ')})`);
  const value = (v: string) => (v === 'unlimited' ? -1 : wholeNumber('--ulimit', v, -1));
  const soft = value(m[2]);
  const hard = m[3] === undefined ? soft : value(m[3]);
  const order = (n: number) => (n === -1 ? Infinity : n);
  if (order(soft) > order(hard))
    throw new InvalidArgumentError('--ulimit', `"${text}": the soft limit is above the hard limit`);
  return { name: m[1], soft, hard };
}

export function parseRunArgs(argv: string[]): RunRequest {
  const { flags, args } = parseArgs(argv, RUN_FLAGS);
  if (args.length < 1) throw new InvalidArgumentError('IMAGE', 'an image is required: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]');
  const [image, ...cmd] = args;
  const c: ContainerConfig = { image };
  if (cmd.length) c.cmd = cmd;
  const name = str(flags, 'name');
  if (name !== undefined) c.name = name;
  const env = envList(flags);
  if (env.length) c.env = env;
  if (str(flags, 'workdir') !== undefined) {
    if (!str(flags, 'workdir')!.startsWith('/')) throw new InvalidArgumentError('--workdir', `"${str(flags, 'workdir')}" is not an absolute path`);
    c.workdir = str(flags, 'workdir');
  }
  if (str(flags, 'user') !== undefined) c.user = str(flags, 'user');
  if (str(flags, 'entrypoint') !== undefined) c.entrypoint = str(flags, 'entrypoint') === '' ? [] : [str(flags, 'entrypoint')!];
  if (flags.tty) c.tty = true;
  if (flags.interactive) c.openStdin = true;
  if (str(flags, 'hostname') !== undefined) c.hostname = str(flags, 'hostname');
  const mounts = [...multi(flags, 'volume').map(parseVolume), ...multi(flags, 'mount').map(parseMount), ...multi(flags, 'tmpfs').map(parseTmpfs)];
  if (mounts.length) c.mounts = mounts;
  const labels = keyValues('--label', multi(flags, 'label'));
  if (Object.keys(labels).length) c.labels = labels;
  const annotations = keyValues('--annotation', multi(flags, 'annotation'));
  if (Object.keys(annotations).length) c.annotations = annotations;
  if (str(flags, 'stop-signal') !== undefined) c.stopSignal = str(flags, 'stop-signal');
  if (str(flags, 'stop-timeout') !== undefined) c.stopTimeout = positiveInt('--stop-timeout', str(flags, 'stop-timeout')!);
  if (str(flags, 'restart') !== undefined) c.restart = parseRestart(str(flags, 'restart')!);
  if (flags.rm) {
    if (c.restart && c.restart.name !== 'no') throw new InvalidArgumentError('--rm', 'conflicts with --restart (a container removed on exit cannot be restarted)');
    c.autoRemove = true;
  }
  for (const o of multi(flags, 'log-opt')) {
    const [k, v] = o.split('=', 2);
    if (k === 'max-size' && v) c.logMaxSize = parseBytes('--log-opt', v);
    else if (k === 'max-file' && v) c.logMaxFiles = positiveInt('--log-opt', v);
    else throw new InvalidArgumentError('--log-opt', `"${o}": berth's log takes max-size=SIZE and max-file=N`);
  }
  if (str(flags, 'platform') !== undefined) c.platform = str(flags, 'platform');
  if (str(flags, 'runtime') !== undefined) c.runtime = str(flags, 'runtime');
  const net = str(flags, 'network');
  if (net !== undefined) {
    if (net !== 'none' && net !== 'host') throw new InvalidArgumentError('--network', `"${net}": only none and host until CNI networking lands`);
    c.network = net;
  }
  if (multi(flags, 'publish').length) throw new InvalidArgumentError('--publish', 'port publishing needs CNI networking, which is not there yet');
  const health: NonNullable<ContainerConfig['health']> = { test: [] };
  if (flags['no-healthcheck']) health.test = ['NONE'];
  if (str(flags, 'health-cmd') !== undefined) health.test = ['CMD-SHELL', str(flags, 'health-cmd')!];
  if (str(flags, 'health-interval') !== undefined) health.intervalMs = durationMs('--health-interval', str(flags, 'health-interval')!);
  if (str(flags, 'health-timeout') !== undefined) health.timeoutMs = durationMs('--health-timeout', str(flags, 'health-timeout')!);
  if (str(flags, 'health-start-period') !== undefined) health.startPeriodMs = durationMs('--health-start-period', str(flags, 'health-start-period')!);
  if (str(flags, 'health-retries') !== undefined) health.retries = positiveInt('--health-retries', str(flags, 'health-retries')!);
  if (flags['no-healthcheck'] && (str(flags, 'health-cmd') !== undefined || Object.keys(health).length > 1)) throw new InvalidArgumentError('--no-healthcheck', 'conflicts with --health-* options');
  if (health.test.length || Object.keys(health).length > 1) c.health = health;
  const resources = parseResources(flags);
  if (Object.keys(resources).length) c.resources = resources;
  const devices = multi(flags, 'device').map(parseDevice);
  if (devices.length) c.devices = devices;
  if (multi(flags, 'cap-add').length) c.capAdd = multi(flags, 'cap-add');
  if (multi(flags, 'cap-drop').length) c.capDrop = multi(flags, 'cap-drop');
  if (flags.privileged) c.privileged = true;
  if (flags['read-only']) c.readOnly = true;
  const security = parseSecurityOpts(multi(flags, 'security-opt'));
  if (Object.keys(security).length) c.security = security;
  const ulimits = multi(flags, 'ulimit').map(parseUlimit);
  if (ulimits.length) c.ulimits = ulimits;
  for (const kv of multi(flags, 'sysctl')) if (!kv.includes('=')) throw new InvalidArgumentError('--sysctl', `"${kv}" is not KEY=VALUE`);
  const sysctls = keyValues('--sysctl', multi(flags, 'sysctl'));
  if (Object.keys(sysctls).length) c.sysctls = sysctls;
  if (str(flags, 'shm-size') !== undefined) {
    const shm = parseBytes('--shm-size', str(flags, 'shm-size')!);
    if (shm <= 0) throw new InvalidArgumentError('--shm-size', `"${str(flags, 'shm-size')}" must be above 0`);
    c.shmSize = shm;
  }
  // Declared (so it parses and is named) but not yet carried into the spec: refused rather than dropped.
  if (flags.init) c.init = true;
  return { config: c, detach: !!flags.detach, pull: checkPullPolicy(str(flags, 'pull') ?? 'missing'), quiet: !!flags.quiet };
}
