// What a user asks of a container, in the engine's terms (Docker's
// Config + HostConfig, flattened): the CLI's flags and the library's
// options both become one of these, checked once (spec/check.ts), then
// turned into a runtime spec (spec/build.ts). Stored as JSON in the
// container's row, so a restart builds the same container again.

export type RestartPolicy = { name: 'no' } | { name: 'on-failure'; maxRetries?: number } | { name: 'always' } | { name: 'unless-stopped' };

export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** bind: a host path; volume: a volume name (absent: an anonymous volume). */
  source?: string;
  target: string;
  readonly?: boolean;
  /** bind: rprivate (default), private, rshared, shared, rslave, slave. */
  propagation?: string;
  /** tmpfs: size in bytes and mode. */
  tmpfsSize?: number;
  tmpfsMode?: number;
  /** volume: do not copy the image's content into a new volume. */
  noCopy?: boolean;
}

export interface DeviceRequest {
  hostPath: string;
  containerPath?: string;
  /** Any of r, w, m; default rwm. */
  permissions?: string;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface HealthConfig {
  /** Docker's form: ["CMD", exe, args...] or ["CMD-SHELL", "script"]; ["NONE"] disables the image's. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

export interface Resources {
  /** Bytes. */
  memory?: number;
  /** Bytes of memory plus swap; -1 unlimited. */
  memorySwap?: number;
  /** CPUs in billionths (Docker's NanoCpus): --cpus 1.5 = 1.5e9. */
  nanoCpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** 0 or -1: unlimited. */
  pidsLimit?: number;
}

export interface SecurityOptions {
  /** "unconfined", or the path of a profile (JSON) on the host; absent: the engine's default profile. */
  seccomp?: string;
  noNewPrivileges?: boolean;
  /** An AppArmor profile name, or "unconfined". */
  apparmor?: string;
  /** SELinux label parts (user:, role:, type:, level:) or "disable". */
  label?: string[];
}

export interface ContainerConfig {
  /** The image as the user named it. */
  image: string;
  name?: string;
  /** Replaces the image's Cmd. */
  cmd?: string[];
  /** Replaces the image's Entrypoint (and drops its Cmd unless cmd is given). */
  entrypoint?: string[];
  /** KEY=VALUE, over the image's. */
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  /** Keep stdin open (-i): the monitor gives the container a stdin pipe. */
  openStdin?: boolean;
  hostname?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  mounts?: MountRequest[];
  resources?: Resources;
  devices?: DeviceRequest[];
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  readOnly?: boolean;
  security?: SecurityOptions;
  ulimits?: Ulimit[];
  sysctls?: Record<string, string>;
  /** Bytes of /dev/shm (default 64 MiB). */
  shmSize?: number;
  /** A tiny init as pid 1 that reaps zombies and forwards signals. */
  init?: boolean;
  stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL (default 10). */
  stopTimeout?: number;
  restart?: RestartPolicy;
  /** Remove the container when it exits (--rm). */
  autoRemove?: boolean;
  logMaxSize?: number;
  logMaxFiles?: number;
  health?: HealthConfig;
  /** none (the default until CNI networking lands) or host. */
  network?: 'none' | 'host';
  platform?: string;
  /** The OCI runtime: absent or "runts" in-process; else a binary by name or path (runc, runsc). */
  runtime?: string;
}
