// The engine's default seccomp profile (and CRI's RuntimeDefault), with the
// intent of Docker's and containerd's: a normal workload's system calls are
// allowed, the rest get EPERM. What a capability already lets a process do
// to the kernel as a whole (mount, load a module, trace, set the clock...)
// opens only when the container keeps that capability; what no container
// should reach (the kernel keyring, kexec, swap, userfaultfd, vsock...) stays
// closed whatever it keeps. Names the kernel or the compiler does not know are
// skipped by the compiler, so a name newer than a kernel costs nothing.

import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, SeccompArch } from '../../oci/spec.ts';

/** The architectures a profile serves: the native one and those its kernel also runs. */
export const PROFILE_ARCHES = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  riscv64: ['SCMP_ARCH_RISCV64'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  ppc64: ['SCMP_ARCH_PPC64LE'],
} as const satisfies Record<string, readonly SeccompArch[]>;

export type ProfileArch = keyof typeof PROFILE_ARCHES;

const EPERM = 1;
const ENOSYS = 38;

/** Every new-namespace flag clone(2) can carry (CLONE_NEWTIME's bit is the exit signal's there). */
const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000;
const AF_VSOCK = 40;

/** personality(2) values a workload uses: Linux, 32-bit Linux, each with UNAME26, and the query. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

interface Rule {
  names: readonly string[];
  args?: LinuxSeccompArg[];
  errnoRet?: number;
  action?: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  /** Only with this capability in the container's set. */
  cap?: string;
  /** Only without it (the rule is the narrow form of what the capability opens wholesale). */
  withoutCap?: string;
  /** Only on these architectures. */
  arches?: readonly ProfileArch[];
  /** Not on these. */
  notArches?: readonly ProfileArch[];
}

/** What every container may call. */
const BASE: readonly string[] = [
  // files and directories
  'access', 'chdir', 'chmod', 'chown', 'chown32', 'close', 'close_range', 'copy_file_range', 'creat', 'dup', 'dup2',
  'dup3', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate', 'fchdir', 'fchmod', 'fchmodat',
  'fchmodat2', 'fchown', 'fchown32', 'fchownat', 'fcntl', 'fcntl64', 'fdatasync', 'flock', 'fstat', 'fstat64',
  'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64', 'futimesat', 'getcwd', 'getdents',
  'getdents64', 'link', 'linkat', '_llseek', 'lseek', 'lstat', 'lstat64', 'mkdir', 'mkdirat', 'mknod', 'mknodat',
  'name_to_handle_at', 'newfstatat', 'open', 'openat', 'openat2', 'pread64', 'preadv', 'preadv2', 'pwrite64',
  'pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'rename', 'renameat', 'renameat2',
  'rmdir', 'sendfile', 'sendfile64', 'splice', 'stat', 'stat64', 'statfs', 'statfs64', 'statx', 'symlink',
  'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate', 'truncate64', 'umask', 'unlink', 'unlinkat',
  'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vmsplice', 'write', 'writev', 'cachestat',
  // extended attributes
  'fgetxattr', 'flistxattr', 'fremovexattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'listxattr', 'llistxattr',
  'lremovexattr', 'lsetxattr', 'removexattr', 'setxattr', 'getxattrat', 'setxattrat', 'listxattrat', 'removexattrat',
  // waiting for events
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait',
  'epoll_wait_old', 'eventfd', 'eventfd2', 'fanotify_mark', 'inotify_add_watch', 'inotify_init', 'inotify_init1',
  'inotify_rm_watch', '_newselect', 'poll', 'ppoll', 'ppoll_time64', 'pselect6', 'pselect6_time64', 'select',
  'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime',
  'timerfd_settime64',
  // asynchronous I/O (io_uring is not: a large attack surface that bypasses this very filter's view of the calls)
  'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'io_setup', 'io_submit',
  // memory
  'brk', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mlock', 'mlock2', 'mlockall', 'mmap',
  'mmap2', 'mprotect', 'mremap', 'mseal', 'msync', 'munlock', 'munlockall', 'munmap', 'pkey_alloc', 'pkey_free',
  'pkey_mprotect', 'remap_file_pages', 'map_shadow_stack',
  // processes, threads, signals
  'alarm', 'capget', 'capset', 'execve', 'execveat', 'exit', 'exit_group', 'fork', 'futex', 'futex_requeue',
  'futex_time64', 'futex_wait', 'futex_waitv', 'futex_wake', 'getcpu', 'getegid', 'getegid32', 'geteuid',
  'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32', 'getitimer', 'getpgid', 'getpgrp', 'getpid',
  'getppid', 'getpriority', 'getresgid', 'getresgid32', 'getresuid', 'getresuid32', 'getrlimit', 'get_robust_list',
  'getrusage', 'getsid', 'get_thread_area', 'gettid', 'getuid', 'getuid32', 'ioprio_get', 'ioprio_set', 'kill',
  'pause', 'pidfd_open', 'pidfd_send_signal', 'prctl', 'prlimit64', 'process_mrelease', 'restart_syscall', 'rseq',
  'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 'sched_getaffinity', 'sched_getattr',
  'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getscheduler', 'sched_rr_get_interval',
  'sched_rr_get_interval_time64', 'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler',
  'sched_yield', 'seccomp', 'setfsgid', 'setfsgid32', 'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups',
  'setgroups32', 'setitimer', 'setpgid', 'setpriority', 'setregid', 'setregid32', 'setresgid', 'setresgid32',
  'setresuid', 'setresuid32', 'setreuid', 'setreuid32', 'setrlimit', 'set_robust_list', 'setsid', 'set_thread_area',
  'set_tid_address', 'setuid', 'setuid32', 'sigaltstack', 'sigprocmask', 'sigreturn', 'tgkill', 'tkill',
  'ugetrlimit', 'vfork', 'wait4', 'waitid', 'waitpid',
  // time (reading it; setting it needs CAP_SYS_TIME)
  'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64', 'clock_gettime',
  'clock_gettime64', 'clock_nanosleep', 'clock_nanosleep_time64', 'gettimeofday', 'nanosleep', 'time', 'timer_create',
  'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  'times',
  // sockets (socket itself has a rule below)
  'accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen', 'recv', 'recvfrom',
  'recvmmsg', 'recvmmsg_time64', 'recvmsg', 'send', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt', 'shutdown',
  'socketcall', 'socketpair',
  // System V and POSIX IPC (the container's own ipc namespace)
  'ipc', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64', 'mq_timedsend',
  'mq_timedsend_time64', 'mq_unlink', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'semctl', 'semget', 'semop',
  'semtimedop', 'semtimedop_time64', 'shmat', 'shmctl', 'shmdt', 'shmget',
  // the rest of a normal workload
  'getrandom', 'ioctl', 'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self', 'pipe', 'pipe2',
  'sysinfo', 'uname',
];

const RULES: readonly Rule[] = [
  { names: BASE },
  // vsock reaches the host's hypervisor sockets, which no namespace confines.
  { names: ['socket'], args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] },
  // Only the domains a workload runs in: ADDR_NO_RANDOMIZE and the like would lift protections.
  ...PERSONALITIES.map((value): Rule => ({ names: ['personality'], args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] })),

  { names: ['arch_prctl', 'uretprobe'], arches: ['x64'] },
  { names: ['modify_ldt'], arches: ['x64'] },
  { names: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'], arches: ['arm64'] },
  { names: ['riscv_flush_icache', 'riscv_hwprobe'], arches: ['riscv64'] },
  { names: ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'], arches: ['s390x'] },
  { names: ['sync_file_range2', 'swapcontext'], arches: ['ppc64'] },

  // Making namespaces and mounts, naming the host, reading the kernel log:
  // the container's root may do these only with CAP_SYS_ADMIN.
  {
    cap: 'CAP_SYS_ADMIN',
    names: ['bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie',
      'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd',
      'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare'],
  },
  // Without it, threads and processes but no namespace: clone's flags are its first argument (s390's second).
  { withoutCap: 'CAP_SYS_ADMIN', notArches: ['s390x'], names: ['clone'], args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
  { withoutCap: 'CAP_SYS_ADMIN', arches: ['s390x'], names: ['clone'], args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
  // clone3's flags are in memory a filter cannot read: ENOSYS makes the C library fall back to clone.
  { withoutCap: 'CAP_SYS_ADMIN', names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },

  { cap: 'CAP_DAC_READ_SEARCH', names: ['open_by_handle_at'] },
  { cap: 'CAP_SYS_BOOT', names: ['reboot'] },
  { cap: 'CAP_SYS_CHROOT', names: ['chroot'] },
  { cap: 'CAP_SYS_MODULE', names: ['delete_module', 'init_module', 'finit_module'] },
  { cap: 'CAP_SYS_PACCT', names: ['acct'] },
  { cap: 'CAP_SYS_PTRACE', names: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'] },
  { cap: 'CAP_SYS_RAWIO', names: ['iopl', 'ioperm'] },
  { cap: 'CAP_SYS_TIME', names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'] },
  { cap: 'CAP_SYS_TTY_CONFIG', names: ['vhangup'] },
  { cap: 'CAP_SYS_NICE', names: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'] },
  { cap: 'CAP_SYSLOG', names: ['syslog'] },
  { cap: 'CAP_BPF', names: ['bpf'] },
  { cap: 'CAP_PERFMON', names: ['perf_event_open'] },
];

export interface DefaultProfileOptions {
  /** The container's capabilities (its bounding set: what it could ever raise). */
  capabilities: readonly string[];
  /** The host's architecture, as Node names it; the profile also serves the ones its kernel runs. */
  arch?: string;
}

/** The default profile for a container keeping `capabilities`, on `arch` (this host's by default). */
export function defaultSeccompProfile(options: DefaultProfileOptions): LinuxSeccomp {
  const arch = options.arch ?? process.arch;
  if (!(arch in PROFILE_ARCHES)) throw new Error(`no default seccomp profile for architecture "${arch}" (known: ${Object.keys(PROFILE_ARCHES).join(', ')})`);
  const native = arch as ProfileArch;
  const caps = new Set(options.capabilities);
  const applies = (r: Rule) =>
    (!r.cap || caps.has(r.cap)) && (!r.withoutCap || !caps.has(r.withoutCap)) &&
    (!r.arches || r.arches.includes(native)) && !r.notArches?.includes(native);
  const syscalls = RULES.filter(applies).map((r): LinuxSyscall => ({
    names: [...r.names],
    action: r.action ?? 'SCMP_ACT_ALLOW',
    ...(r.errnoRet !== undefined && { errnoRet: r.errnoRet }),
    ...(r.args && { args: r.args.map((a) => ({ ...a })) }),
  }));
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: [...PROFILE_ARCHES[native]], syscalls };
}
