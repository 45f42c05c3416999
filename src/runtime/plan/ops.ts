// Op numbers of the executor's plan; mirror of native/executor/plan.h.

export const Op = {
  MODE: 1,
  CGROUP_PROCS: 2,
  NS_JOIN: 3,
  NS_UNSHARE: 4,
  USERNS: 5,
  UID_MAP: 6,
  GID_MAP: 7,
  SETGROUPS: 8,
  TIMENS_OFFSETS: 9,
  START_SOCKET: 10,
  CONSOLE_SOCKET: 11,
  TERMINAL_RELAY: 12,
  CLONE_INIT: 13,

  MOUNT: 100,
  MOUNT_SETATTR: 101,
  MKDIR_IN_ROOT: 102,
  MKFILE_IN_ROOT: 103,
  MKNOD_IN_ROOT: 104,
  SYMLINK_IN_ROOT: 105,
  SYNC: 106,
  HOOK: 107,
  PIVOT_ROOT: 108,
  CHROOT: 109,
  MASK_PATH: 110,
  READONLY_PATH: 111,
  WRITE_FILE: 112,
  SETHOSTNAME: 113,
  SETDOMAINNAME: 114,
  SETRLIMIT: 115,
  CHDIR: 116,
  UMASK: 117,
  SETSID: 118,
  TERMINAL: 119,
  CAP_BOUND: 120,
  KEEPCAPS: 121,
  SETGROUPS_LIST: 122,
  SETGID: 123,
  SETUID: 124,
  CAPSET: 125,
  AMBIENT: 126,
  NO_NEW_PRIVS: 127,
  SECCOMP: 128,
  SESSION_KEYRING: 129,
  REMOUNT_RO: 130,
  READY: 131,
  WAIT_START: 132,
  EXEC: 133,
  PDEATHSIG: 134,
  CHROOT_PATH: 135,
  FIND_EXEC: 136,
  OPEN_TREE: 137,
  FSMOUNT: 138,
  MOVE_MOUNT: 139,

  SCHED_SETATTR: 150,
  IOPRIO_SET: 151,
  PERSONALITY: 152,
  CPU_AFFINITY: 153,

  IDMAP_MOUNT: 160,
  LSM_EXEC: 161,
  UID_MAP_TOOL: 162,
  GID_MAP_TOOL: 163,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

export type Arg = string | number | bigint | Uint8Array;

export interface Step {
  op: OpCode;
  args: Arg[];
}

export type Plan = Step[];

export function step(op: OpCode, ...args: Arg[]): Step {
  return { op, args };
}

const NAMES = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k.toLowerCase().replaceAll('_', '-')]));

export function opName(op: number): string {
  return NAMES.get(op) ?? `op-${op}`;
}
