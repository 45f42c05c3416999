// Linux ABI names the spec refers to: capabilities, rlimits, signals,
// namespace clone flags, mount options. Shared by validation and planning.

export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export function capabilityBit(name: string): number {
  return CAPABILITIES.indexOf(name as (typeof CAPABILITIES)[number]);
}

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24,
  SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

/** Accepts 9, "9", "KILL", "SIGKILL", "SIGRTMIN+3"; returns undefined for anything else. */
export function parseSignal(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input > 0 && input <= 64 ? input : undefined;
  if (/^\d+$/.test(input)) return parseSignal(Number(input));
  const name = input.toUpperCase().startsWith('SIG') ? input.toUpperCase() : `SIG${input.toUpperCase()}`;
  const rt = /^SIGRTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) return parseSignal((rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? 0));
  return SIGNALS[name];
}

export const CLONE_FLAGS: Record<string, number> = {
  time: 0x80,
  mount: 0x20000,
  cgroup: 0x2000000,
  uts: 0x4000000,
  ipc: 0x8000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
};

/** The name under /proc/<pid>/ns/ of each namespace type. */
export const NS_PROC_NAMES: Record<string, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, SYNCHRONOUS: 0x10, REMOUNT: 0x20, MANDLOCK: 0x40,
  DIRSYNC: 0x80, NOSYMFOLLOW: 0x100, NOATIME: 0x400, NODIRATIME: 0x800, BIND: 0x1000, MOVE: 0x2000,
  REC: 0x4000, SILENT: 0x8000, UNBINDABLE: 0x20000, PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000,
  RELATIME: 0x200000, STRICTATIME: 0x1000000, LAZYTIME: 0x2000000,
} as const;

/** mount(8) option -> [flag, clear?]. */
export const MOUNT_FLAGS: Record<string, [number, boolean]> = {
  ro: [MS.RDONLY, false], rw: [MS.RDONLY, true], nosuid: [MS.NOSUID, false], suid: [MS.NOSUID, true],
  nodev: [MS.NODEV, false], dev: [MS.NODEV, true], noexec: [MS.NOEXEC, false], exec: [MS.NOEXEC, true],
  sync: [MS.SYNCHRONOUS, false], async: [MS.SYNCHRONOUS, true], dirsync: [MS.DIRSYNC, false],
  remount: [MS.REMOUNT, false], mand: [MS.MANDLOCK, false], nomand: [MS.MANDLOCK, true],
  atime: [MS.NOATIME, true], noatime: [MS.NOATIME, false], diratime: [MS.NODIRATIME, true],
  nodiratime: [MS.NODIRATIME, false], relatime: [MS.RELATIME, false], norelatime: [MS.RELATIME, true],
  strictatime: [MS.STRICTATIME, false], nostrictatime: [MS.STRICTATIME, true],
  lazytime: [MS.LAZYTIME, false], nolazytime: [MS.LAZYTIME, true], bind: [MS.BIND, false],
  rbind: [MS.BIND | MS.REC, false], nosymfollow: [MS.NOSYMFOLLOW, false], symfollow: [MS.NOSYMFOLLOW, true],
  defaults: [0, false],
};

export const PROPAGATION_FLAGS: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, RELATIME: 0, NOATIME: 0x10, STRICTATIME: 0x20,
  /** The atime setting is a value in these bits, not a flag: changing it clears all of them. */
  ATIME_MASK: 0x70, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000,
} as const;

/** Per-mount flags of mount(2) and their mount_setattr(2) equivalents (atime aside). */
export const MS_MOUNT_ATTRS: [number, number][] = [
  [MS.RDONLY, MOUNT_ATTR.RDONLY], [MS.NOSUID, MOUNT_ATTR.NOSUID], [MS.NODEV, MOUNT_ATTR.NODEV],
  [MS.NOEXEC, MOUNT_ATTR.NOEXEC], [MS.NODIRATIME, MOUNT_ATTR.NODIRATIME], [MS.NOSYMFOLLOW, MOUNT_ATTR.NOSYMFOLLOW],
  [MS.NOATIME, MOUNT_ATTR.NOATIME], [MS.STRICTATIME, MOUNT_ATTR.STRICTATIME],
];

/** Recursive variants, applied with mount_setattr(AT_RECURSIVE). */
export const RECURSIVE_ATTRS: Record<string, [number, boolean]> = {
  rro: [MOUNT_ATTR.RDONLY, false], rrw: [MOUNT_ATTR.RDONLY, true], rnosuid: [MOUNT_ATTR.NOSUID, false],
  rsuid: [MOUNT_ATTR.NOSUID, true], rnodev: [MOUNT_ATTR.NODEV, false], rdev: [MOUNT_ATTR.NODEV, true],
  rnoexec: [MOUNT_ATTR.NOEXEC, false], rexec: [MOUNT_ATTR.NOEXEC, true],
  rnoatime: [MOUNT_ATTR.NOATIME, false], rnodiratime: [MOUNT_ATTR.NODIRATIME, false],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, false], rsymfollow: [MOUNT_ATTR.NOSYMFOLLOW, true],
  rstrictatime: [MOUNT_ATTR.STRICTATIME, false],
};
