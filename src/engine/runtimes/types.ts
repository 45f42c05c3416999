// What the engine asks of an OCI runtime, whichever runs the container: the
// runtime library in-process (runts, the default) or a runtime binary with
// runc's command line (runc, crun, gVisor's runsc), driven as conmon drives it.

import type { MonitorOptions } from '../../runtime/monitor.ts';

export interface RuntimeStatus {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export interface ContainerRuntime {
  /** As the user named it ("runts", "runc", "/usr/bin/runsc"). */
  readonly name: string;
  /** Creates the container under a monitor (opts); its process waits for start. */
  create(id: string, bundle: string, monitor: MonitorOptions, terminal: boolean): Promise<void>;
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
}
