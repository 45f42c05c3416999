// runts, in this process: the runtime library itself.

import { StepError } from '../../oci/errors.ts';
import type { Spec } from '../../oci/spec.ts';
import type { MonitorOptions } from '../../runtime/monitor.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { processAlive } from '../../runtime/state-store.ts';
import type { Stats } from '../../runtime/stats/types.ts';
import { ExecFailedError } from '../errors.ts';
import type { ContainerRuntime, ExecRequest, ExecStarted, RuntimeStatus } from './types.ts';

/** The executor's refusal in Docker's terms: which field was wrong and the exit code it means. */
export function execFailure(e: StepError): ExecFailedError {
  if (e.op === 'find-exec' || e.op === 'exec') return new ExecFailedError('cmd', e.message, e.errno === 2 ? 127 : 126);
  if (e.op === 'chdir') return new ExecFailedError('workdir', e.message, 126);
  return new ExecFailedError('cmd', e.message, 126);
}

export class InProcessRuntime implements ContainerRuntime {
  readonly name = 'runts';
  private readonly runtime: Runtime;

  constructor(runtime: Runtime) {
    this.runtime = runtime;
  }

  async create(id: string, bundle: string, monitor: MonitorOptions, _terminal: boolean, spec?: Spec): Promise<void> {
    await this.runtime.create(id, { bundle, monitor, ...(spec && { spec }) });
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

  async exec(id: string, req: ExecRequest): Promise<ExecStarted> {
    try {
      return await this.runtime.exec(id, {
        process: req.process, detach: req.detach, stdio: req.stdio,
        terminalRelay: !!req.process.terminal && !req.detach,
        ...(req.consoleSocket && { consoleSocket: req.consoleSocket }),
      });
    } catch (e) {
      throw e instanceof StepError ? execFailure(e) : e;
    }
  }

  processes(id: string): number[] {
    return this.runtime.processes(id);
  }

  stats(id: string): Stats {
    return this.runtime.stats(id);
  }
}
