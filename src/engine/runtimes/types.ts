// What the engine asks of an OCI runtime, whichever runs the container: the
// runtime library in-process (runts, the default) or a runtime binary with
// runc's command line (runc, crun, gVisor's runsc), driven as conmon drives it.

import type { Process, Spec } from '../../oci/spec.ts';
import type { Stdio } from '../../runtime/executor.ts';
import type { MonitorOptions } from '../../runtime/monitor.ts';
import type { Stats } from '../../runtime/stats/types.ts';

export interface RuntimeStatus {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export interface ExecRequest {
  process: Process;
  /** Return once the process runs; nothing waits for it. */
  detach: boolean;
  /** The process's stdio: fds of this process (or 'inherit', 'ignore'). With
   * process.terminal (never detached) the runtime makes the terminal and
   * relays it to these. */
  stdio: Stdio;
  /** Detached with a terminal: the console socket its pty master goes to (the monitor's). */
  consoleSocket?: string;
}

export interface ExecStarted {
  /** The process's pid on the host. */
  pid: number;
  /** Its exit status (128+signal when killed); absent when detached. */
  exit?: Promise<number>;
}

export interface ContainerRuntime {
  /** As the user named it ("runts", "runc", "/usr/bin/runsc"). */
  readonly name: string;
  /** Creates the container under a monitor (opts); its process waits for start. spec: the
   * bundle's config.json as its writer validated it, where the runtime can take it as is. */
  create(id: string, bundle: string, monitor: MonitorOptions, terminal: boolean, spec?: Spec): Promise<void>;
  start(id: string): Promise<void>;
  /** Undefined when the runtime knows no such container. */
  status(id: string): RuntimeStatus | undefined;
  /** Whether the container's monitor still runs (it records the exit just before it leaves). */
  monitorAlive(id: string): boolean;
  kill(id: string, signal: number, all: boolean): void;
  /** Removes the container, killing it with force, and its monitor. */
  delete(id: string, force: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Another process in the running container. A process that cannot be
   * started rejects with ExecFailedError (127: not found, 126 otherwise). */
  exec(id: string, req: ExecRequest): Promise<ExecStarted>;
  /** The pids of the container's processes, its init first or not. */
  processes(id: string): number[];
  /** The container's statistics in runc's shape; throws when it does not run. */
  stats(id: string): Stats;
}
