// OCI runtime-spec 1.3 configuration and state, as TypeScript types (Linux).

export const OCI_VERSION = '1.3.0';

export interface Spec {
  ociVersion: string;
  root?: Root;
  mounts?: Mount[];
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args?: string[];
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  scheduler?: Scheduler;
  ioPriority?: IoPriority;
  execCPUAffinity?: CpuAffinity;
}

export interface Scheduler {
  policy: string;
  nice?: number;
  priority?: number;
  flags?: string[];
  /** Nanoseconds, for SCHED_DEADLINE. */
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface IoPriority {
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  priority: number;
}

/** CPU lists such as "0-3,7". */
export interface CpuAffinity {
  initial?: string;
  final?: string;
}

export interface Personality {
  domain: 'LINUX' | 'LINUX32';
  flags?: string[];
}

export interface NetDevice {
  /** The name inside the container; the host's name when absent. */
  name?: string;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface Rlimit {
  type: string;
  /** uint64: decimal text when above 2^53 (18446744073709551615 is unlimited); parseSpec keeps JSON's so. */
  soft: number | string;
  hard: number | string;
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export const HOOK_KINDS = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
export type Hooks = Partial<Record<HookKind, Hook[]>>;

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

export interface Namespace {
  type: NamespaceType;
  path?: string;
}

export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** A rule of the devices cgroup: absent type means "a" (every device), absent
 * (or -1) major or minor any number, absent access "rwm" (read, write, mknod). */
export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access?: string;
}

export interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>;
  devices?: Device[];
  cgroupsPath?: string;
  resources?: { devices?: DeviceCgroupRule[]; [key: string]: unknown };
  rootfsPropagation?: string;
  seccomp?: unknown;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: Personality;
  intelRdt?: unknown;
  memoryPolicy?: unknown;
  netDevices?: Record<string, NetDevice>;
}

/** The spec's four, and runc's "paused" (a running container whose cgroup is frozen). */
export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface State {
  ociVersion: string;
  id: string;
  status: Status;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}
