// runts, in this process: the runtime library itself.

import type { MonitorOptions } from '../../runtime/monitor.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { processAlive } from '../../runtime/state-store.ts';
import type { ContainerRuntime, RuntimeStatus } from './types.ts';

export class InProcessRuntime implements ContainerRuntime {
  readonly name = 'runts';
  private readonly runtime: Runtime;

  constructor(runtime: Runtime) {
    this.runtime = runtime;
  }

  async create(id: string, bundle: string, monitor: MonitorOptions): Promise<void> {
    await this.runtime.create(id, { bundle, monitor });
  }

  async start(id: string): Promise<void> {
    await this.runtime.start(id);
  }

  status(id: string): RuntimeStatus | undefined {
    try {
      const s = this.runtime.state(id);
      return { status: s.status, pid: s.pid ?? 0 };
    } catch {
      return undefined;
    }
  }

  monitorAlive(id: string): boolean {
    try {
      const m = this.runtime.record(id).monitor;
      return !!m && processAlive(m.pid, m.startTime);
    } catch {
      return false;
    }
  }

  kill(id: string, signal: number, all: boolean): void {
    this.runtime.kill(id, signal, all);
  }

  async delete(id: string, force: boolean): Promise<void> {
    if (this.status(id)) await this.runtime.delete(id, force);
  }

  pause(id: string): Promise<void> {
    return this.runtime.pause(id);
  }

  resume(id: string): Promise<void> {
    return this.runtime.resume(id);
  }
}
