// An OCI runtime binary with runc's command line (runc, crun, runsc): create
// under the container's monitor (the runtime's init becomes the monitor's
// child, as under conmon), then start, state, kill, pause, resume, exec, ps,
// events --stats and delete as separate invocations, each an argument vector
// (never a shell). Its state lives under the engine's run root, one
// directory per runtime.

import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createThroughRuntime, type MonitorOptions, type MonitorRecord, removeMonitor } from '../../runtime/monitor.ts';
import { processAlive } from '../../runtime/state-store.ts';
import { decodeStatsEvent } from '../../runtime/stats/decode.ts';
import type { Stats } from '../../runtime/stats/types.ts';
import { ExecFailedError, InvalidArgumentError } from '../errors.ts';
import type { ContainerRuntime, ExecRequest, ExecStarted, RuntimeStatus } from './types.ts';

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

  /**
   * `RUNTIME exec --process FILE ID`, in the foreground unless detached: the
   * runtime waits for the process and exits with its status (128+signal when
   * killed, as runc). With a terminal the runtime makes the pty and relays it
   * to its own stdio, as `runc exec -t` does. The pid is --pid-file's, which
   * the runtime writes once the process runs; a process it could not start
   * is told by its error log (--log, json) instead.
   */
  async exec(id: string, req: ExecRequest): Promise<ExecStarted> {
    const dir = mkdtempSync(join(this.monitorDir(id), 'exec-'));
    const processFile = join(dir, 'process.json');
    const pidFile = join(dir, 'pid');
    const logFile = join(dir, 'log.json');
    writeFileSync(processFile, JSON.stringify(req.process));
    const args = [...this.globalArgs, '--log', logFile, '--log-format', 'json', 'exec', '--process', processFile, '--pid-file', pidFile];
    if (req.detach) args.push('--detach');
    if (req.consoleSocket) args.push('--console-socket', req.consoleSocket);
    args.push(id);
    const child = process.getBuiltinModule('node:child_process').spawn(this.path, args, { stdio: req.stdio });
    let status: number | undefined;
    const exit = new Promise<number>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
    }).then((code) => (status = code));
    // The runtime writes the pid file once the process runs, before it waits for it.
    let pid = 0;
    while (!pid && status === undefined) {
      pid = readPid(pidFile);
      if (!pid) await Promise.race([sleep(2), exit]);
    }
    pid ||= readPid(pidFile);
    if (!pid) {
      const said = runtimeError(logFile) || `${this.name} exec exited with status ${status}`;
      rmSync(dir, { recursive: true, force: true });
      throw new ExecFailedError('cmd', said, /not found|no such file/i.test(said) ? 127 : 126);
    }
    if (req.detach) {
      rmSync(dir, { recursive: true, force: true });
      return { pid };
    }
    return { pid, exit: exit.finally(() => rmSync(dir, { recursive: true, force: true })) };
  }

  processes(id: string): number[] {
    return JSON.parse(this.run(['ps', '--format', 'json', id])) as number[];
  }

  stats(id: string): Stats {
    return decodeStatsEvent(this.run(['events', '--stats', id]));
  }
}

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The last error the runtime logged (runc's json log: one object per line, "level" and "msg"). */
function runtimeError(logFile: string): string {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
  let msg = '';
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) msg = entry.msg;
    } catch {
      // not a json line
    }
  }
  return msg;
}
