// An OCI runtime binary with runc's command line (runc, crun, runsc): create
// under the container's monitor (the runtime's init becomes the monitor's
// child, as under conmon), then start, state, kill, pause, resume and delete
// as separate invocations, each an argument vector (never a shell). Its state
// lives under the engine's run root, one directory per runtime.

import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { createThroughRuntime, type MonitorOptions, type MonitorRecord, removeMonitor } from '../../runtime/monitor.ts';
import { processAlive } from '../../runtime/state-store.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { ContainerRuntime, RuntimeStatus } from './types.ts';

const MONITOR_RECORD = 'monitor.json';

/** The binary a --runtime names: a path, or a name looked up in PATH (runc, runsc). */
export function findRuntimeBinary(name: string): string {
  const candidates = isAbsolute(name) ? [name] : name.includes('/') ? [] : (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return c;
      }
    } catch {
      // not this one
    }
  }
  throw new InvalidArgumentError('--runtime', `"${name}" is neither runts nor an OCI runtime binary found ${isAbsolute(name) ? 'there' : 'in PATH'}`);
}

export class BinaryRuntime implements ContainerRuntime {
  readonly name: string;
  private readonly path: string;
  private readonly globalArgs: string[];
  private readonly monitorDir: (id: string) => string;

  constructor(name: string, stateRoot: string, monitorDir: (id: string) => string) {
    this.name = name;
    this.path = findRuntimeBinary(name);
    this.globalArgs = ['--root', join(stateRoot, basename(this.path))];
    this.monitorDir = monitorDir;
  }

  private run(args: string[]): string {
    try {
      // node:child_process on use: loading it costs every berth process a few ms, and most containers run on runts.
      return process.getBuiltinModule('node:child_process').execFileSync(this.path, [...this.globalArgs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: string; status?: number };
      throw new Error(`${this.name} ${args[0]}: ${(err.stderr ?? '').trim() || `exit status ${err.status}`}`, { cause: e });
    }
  }

  async create(id: string, bundle: string, monitor: MonitorOptions, terminal: boolean): Promise<void> {
    const created = await createThroughRuntime({ path: this.path, globalArgs: this.globalArgs }, id, bundle, monitor, terminal);
    writeFileSync(join(created.monitor.dir, MONITOR_RECORD), JSON.stringify(created.monitor));
  }

  async start(id: string): Promise<void> {
    this.run(['start', id]);
  }

  status(id: string): RuntimeStatus | undefined {
    let text: string;
    try {
      text = this.run(['state', id]);
    } catch {
      return undefined;
    }
    const s = JSON.parse(text) as { status: RuntimeStatus['status']; pid?: number };
    return { status: s.status, pid: s.pid ?? 0 };
  }

  monitorAlive(id: string): boolean {
    try {
      const m = JSON.parse(readFileSync(join(this.monitorDir(id), MONITOR_RECORD), 'utf8')) as MonitorRecord;
      return processAlive(m.pid, m.startTime);
    } catch {
      return false;
    }
  }

  kill(id: string, signal: number, all: boolean): void {
    this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, force: boolean): Promise<void> {
    if (this.status(id)) this.run(['delete', ...(force ? ['--force'] : []), id]);
    const dir = this.monitorDir(id);
    const recFile = join(dir, MONITOR_RECORD);
    if (existsSync(recFile)) await removeMonitor(JSON.parse(readFileSync(recFile, 'utf8')) as MonitorRecord, force ? 1000 : 5000);
  }

  async pause(id: string): Promise<void> {
    this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    this.run(['resume', id]);
  }
}
