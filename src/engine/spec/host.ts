// What of this host a container's spec depends on: its CPUs, whether it
// accounts swap, the capabilities the engine itself holds, its rlimits, its
// LSMs, its devices and name files. Read when asked, once per process; the
// spec builder takes them as an interface so its tests give their own.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../../oci/spec.ts';
import { CAPABILITIES } from '../../oci/linux.ts';
import { hostLsm } from '../../runtime/lsm.ts';
import { kernelLastCap } from '../../runtime/process-checks.ts';

export interface HostFacts {
  /** The CPUs containers may use (cpuset syntax, "0-3"). */
  onlineCpus(): string;
  /** Whether memory+swap can be limited (v1's memory.memsw, v2's memory.swap.max). */
  swapAccounting(): boolean;
  /** Every capability the kernel has and the engine's own bounding set holds: what --privileged gives, as Podman's. */
  allCapabilities(): string[];
  /** The engine's hard limit of an rlimit ("RLIMIT_NOFILE"), undefined for unlimited. */
  hardLimit(type: string): bigint | undefined;
  /** Whether the engine may raise a hard limit (CAP_SYS_RESOURCE). */
  canRaiseLimits(): boolean;
  apparmor(): boolean;
  selinux(): boolean;
  /** The host's character and block devices under a directory (default /dev, what --privileged passes in). */
  devices(under?: string): Device[];
  /** A device node on the host; undefined when the path is not one. */
  device(path: string): Device | undefined;
  hostname(): string;
  /** The host's /etc/hosts and /etc/resolv.conf ("" when missing). */
  etcFile(name: 'hosts' | 'resolv.conf'): string;
}

const once = <T>(f: () => T): (() => T) => {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
};

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function capMaskOf(field: string): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(read('/proc/self/status') ?? '');
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** The kernel's device numbers from st_rdev (glibc's gnu_dev_major/minor). */
export function deviceNumbers(rdev: bigint): { major: number; minor: number } {
  return {
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)),
  };
}

function deviceAt(path: string): Device | undefined {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { path, type, ...deviceNumbers(st.rdev), fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** /dev's directories that are not devices of the host's (runc's list), and the nodes a container gets its own of. */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
const SKIP_NODES = new Set(['/dev/console', '/dev/ptmx']);

function walkDevices(dir: string, out: Device[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) continue;
    if (st.isDirectory()) {
      if (!SKIP_DIRS.has(name)) walkDevices(path, out);
      continue;
    }
    if (SKIP_NODES.has(path)) continue;
    const d = deviceAt(path);
    if (d) out.push(d);
  }
}

function swapFiles(): boolean {
  if (existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) return true;
  // Pure v2: the root has no memory.swap.max, its children do when swap is accounted.
  return existsSync('/sys/fs/cgroup/cgroup.controllers') && (read('/sys/fs/cgroup/cgroup.controllers') ?? '').split(/\s+/).includes('memory') &&
    !/swapaccount=0/.test(read('/proc/cmdline') ?? '');
}

function onlineCpus(): string {
  for (const p of ['/sys/fs/cgroup/cpuset/cpuset.effective_cpus', '/sys/fs/cgroup/cpuset/cpuset.cpus', '/sys/fs/cgroup/cpuset.cpus.effective', '/sys/devices/system/cpu/online']) {
    const v = read(p)?.trim();
    if (v) return v;
  }
  return '0';
}

function hardLimits(): Map<string, bigint | undefined> {
  const names: Record<string, string> = {
    'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA', 'Max stack size': 'RLIMIT_STACK',
    'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS', 'Max processes': 'RLIMIT_NPROC', 'Max open files': 'RLIMIT_NOFILE',
    'Max locked memory': 'RLIMIT_MEMLOCK', 'Max address space': 'RLIMIT_AS', 'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING',
    'Max msgqueue size': 'RLIMIT_MSGQUEUE', 'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO', 'Max realtime timeout': 'RLIMIT_RTTIME',
  };
  const out = new Map<string, bigint | undefined>();
  for (const line of (read('/proc/self/limits') ?? '').split('\n').slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m && names[m[1]]) out.set(names[m[1]], m[3] === 'unlimited' ? undefined : BigInt(m[3]));
  }
  return out;
}

const CAP_SYS_RESOURCE = 24;

export function readHostFacts(): HostFacts {
  const limits = once(hardLimits);
  const bounding = once(() => capMaskOf('CapBnd'));
  const walk = (dir: string) => {
    const out: Device[] = [];
    walkDevices(dir, out);
    return out;
  };
  const allDevices = once(() => walk('/dev'));
  return {
    onlineCpus: once(onlineCpus),
    swapAccounting: once(swapFiles),
    allCapabilities: once(() => {
      const last = kernelLastCap() ?? CAPABILITIES.length - 1;
      return CAPABILITIES.filter((_, bit) => bit <= last && ((bounding() >> BigInt(bit)) & 1n) === 1n);
    }),
    hardLimit: (type) => limits().get(type),
    canRaiseLimits: () => ((capMaskOf('CapEff') >> BigInt(CAP_SYS_RESOURCE)) & 1n) === 1n,
    apparmor: () => hostLsm().apparmor,
    selinux: () => hostLsm().selinux,
    devices: (under = '/dev') => (under === '/dev' ? allDevices() : walk(under)),
    device: deviceAt,
    hostname: once(hostname),
    etcFile: (name) => read(join('/etc', name)) ?? '',
  };
}
