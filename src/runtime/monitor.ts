// The container monitor (native/monitor): one small process per container
// that outlives its starter, holds the container's stdio, writes its CRI log,
// serves attach and records its exit. This module checks the options, starts
// it, and stops and cleans up after it. See "Container monitor" in docs/design.md.

import { accessSync, closeSync, constants, existsSync, mkdirSync, readFileSync, readSync, rmSync, statSync, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OptionError, RuntimeError, errnoName } from '../oci/errors.ts';
import { buildFile, hostCalls } from '../native/host.ts';
import { LineChannel } from './channel.ts';
import { logLines } from './cri-log.ts';
import { signalInit } from './init-handle.ts';
import { sealedExecutorFd } from './native.ts';
import { exitOf } from './reaper.ts';
import { processAlive, procStartTime } from './state-store.ts';

export interface MonitorOptions {
  /** The monitor's directory: made by create (it must not exist; its parent must), removed by delete. */
  dir: string;
  /** The log, in the CRI format; default <dir>/container.log. Its directory must exist. Outside dir it is the caller's to remove. */
  logPath?: string;
  /** Rotate the log once it would grow past this many bytes; 0 or absent: never. */
  logMaxSize?: number;
  /** Files kept, the current one included (Docker's max-file); default 1, which truncates on rotation. */
  logMaxFiles?: number;
  /** Give the container a stdin pipe that attach clients write to (else /dev/null). */
  stdin?: boolean;
  /** Run once the exit is recorded, as the monitor leaves (an absolute path, then its
   * arguments; from /, with no environment): how a daemonless engine hears of an exit. */
  exitCommand?: string[];
  /** A command run periodically while the init runs (the engine's health checks). */
  timer?: MonitorTimer;
  /** cgroup.procs files (absolute paths) the monitor joins before it starts anything, so that
   * it lives in cgroups of the caller's choosing, not the caller's own (see src/engine/monitor-cgroup.ts). */
  cgroupProcs?: string[];
  /** Hold the terminals of detached execs: a console socket at <dir>/exec-tty.sock
   * (EXEC_CONSOLE_SOCKET) takes each pty master, whose output the monitor reads and drops
   * until the process is gone, as Docker's daemon does for `exec -d -t`. */
  execConsole?: boolean;
  /** Told once the monitor runs, before the container's process does: an attach client
   * that connects from here on misses none of its output. */
  onStarted?: () => void;
}

/** Where a detached exec with a terminal sends its pty master, in the monitor's directory. */
export const EXEC_CONSOLE_SOCKET = 'exec-tty.sock';

/** Due every intervalMs from the moment the monitor knows the init (create), the first
 * time after firstDelayMs (default intervalMs); a run still going when the next is due
 * skips that turn; none starts once the init has exited (one still running then is left
 * to finish). The command is an absolute path and its arguments, run as exitCommand is,
 * with stdin, stdout and stderr on /dev/null. */
export interface MonitorTimer {
  intervalMs: number;
  firstDelayMs?: number;
  command: string[];
}

/** What the state record keeps of a container's monitor. */
export interface MonitorRecord {
  dir: string;
  logPath: string;
  /** 0 until the monitor runs. */
  pid: number;
  startTime: string;
}

/** The init's exit as the monitor records it in <dir>/exit. */
export interface ExitRecord {
  /** The exit code, or 128 + the signal that killed it. */
  status: number;
  /** The signal that killed it; 0 when it exited. */
  signal: number;
  /** RFC 3339 with nanoseconds, UTC. */
  exitedAt: string;
}

export const EXIT_FILE = 'exit';
export const ATTACH_SOCKET = 'attach.sock';
export const CONSOLE_SOCKET = 'console.sock';

const SUN_PATH_MAX = 107;

/** Checks the options before anything is made: every refusal names the option. */
export function checkMonitorOptions(opts: MonitorOptions): MonitorRecord {
  if (typeof opts.dir !== 'string' || !opts.dir) throw new OptionError('monitor.dir', 'is required');
  const dir = resolve(opts.dir);
  if (existsSync(dir)) throw new OptionError('monitor.dir', `${dir} already exists (each container's monitor gets a new directory)`);
  if (!isDirectory(dirname(dir))) throw new OptionError('monitor.dir', `the parent of ${dir} is not a directory`);
  // The executor connects to the console socket by its path.
  if (Buffer.byteLength(join(dir, CONSOLE_SOCKET)) > SUN_PATH_MAX) throw new OptionError('monitor.dir', `${dir} is too long for a socket path in it`);
  const logPath = resolve(dir, opts.logPath ?? 'container.log');
  const logDir = dirname(logPath);
  if (logDir !== dir) {
    if (!isDirectory(logDir)) throw new OptionError('monitor.logPath', `the directory of ${logPath} does not exist`);
    try {
      accessSync(logDir, constants.W_OK);
    } catch {
      throw new OptionError('monitor.logPath', `${logDir} is not writable`);
    }
    if (isDirectory(logPath)) throw new OptionError('monitor.logPath', `${logPath} is a directory`);
  }
  if (opts.exitCommand !== undefined) checkCommand('monitor.exitCommand', opts.exitCommand);
  checkCount('monitor.logMaxSize', opts.logMaxSize, 0);
  checkCount('monitor.logMaxFiles', opts.logMaxFiles, 1);
  const timer = opts.timer;
  if (timer !== undefined) {
    if (!timer || typeof timer !== 'object') throw new OptionError('monitor.timer', 'must be an object: { intervalMs, firstDelayMs?, command }');
    if (timer.intervalMs === undefined) throw new OptionError('monitor.timer.intervalMs', 'is required');
    checkCount('monitor.timer.intervalMs', timer.intervalMs, 1);
    checkCount('monitor.timer.firstDelayMs', timer.firstDelayMs, 0);
    checkCommand('monitor.timer.command', timer.command);
  }
  const procs = opts.cgroupProcs;
  if (procs !== undefined && (!Array.isArray(procs) || procs.some((p) => typeof p !== 'string' || p.includes('\0') || !p.startsWith('/'))))
    throw new OptionError('monitor.cgroupProcs', 'must be absolute paths of cgroup.procs files, as strings without NUL');
  return { dir, logPath, pid: 0, startTime: '' };
}

function checkCommand(option: string, cmd: unknown): void {
  if (!Array.isArray(cmd) || !cmd.length || cmd.some((a) => typeof a !== 'string' || a.includes('\0')) || !cmd[0].startsWith('/'))
    throw new OptionError(option, 'must be an absolute path and its arguments, as strings without NUL');
}

function checkCount(option: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) throw new OptionError(option, `must be an integer >= ${min}, not ${v}`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

let sealed: string | undefined;

/** From a sealed copy, as the executor: a container that shares the host's pid namespace sees /proc/<monitor>/exe. */
function sealedMonitor(): string {
  sealed ??= `/proc/self/fd/${hostCalls().sealedCopy(buildFile('runts-monitor', 'RUNTS_MONITOR'))}`;
  return sealed;
}

/** What the monitor runs: runts's executor from its sealed copy (execFd), or an OCI runtime's binary by path. */
export interface MonitoredProgram {
  argv: string[];
  execFd?: number;
  /** fds of ours that become the program's 3, 4, ... */
  passFds?: number[];
  cwd?: string;
  /** The init's pid is read there after the program exits 0 (an OCI runtime's --pid-file). */
  pidFile?: string;
}

export interface StartedMonitor {
  pid: number;
  startTime: string;
  /** The program's exit code, once it has exited (255 if the monitor went first). */
  exit: Promise<number>;
  /** Tells the monitor which process is the container's init (0: there is none, the create failed). Once. */
  tellInit(pid: number): void;
}

/**
 * Makes the monitor's directory and starts the monitor there; returns once
 * it runs on its own (or throws, naming the option, with nothing running and
 * the directory removed). The monitor starts the program at once.
 */
export function startMonitor(rec: MonitorRecord, opts: MonitorOptions, program: MonitoredProgram, terminal: boolean): StartedMonitor {
  return spawnMonitor(rec, opts, program, terminal)();
}

/**
 * startMonitor in two halves: this one makes the directory and spawns the
 * monitor; the function it returns waits until the monitor runs on its own
 * (or throws, as startMonitor). Between the two the caller may work on: the
 * monitor's set-up, mostly the kernel's RCU grace period on its first
 * cgroup move (8 ms here), goes on meanwhile.
 */
export function spawnMonitor(rec: MonitorRecord, opts: MonitorOptions, program: MonitoredProgram, terminal: boolean): () => StartedMonitor {
  mkdirSync(rec.dir, { mode: 0o700 });
  const host = hostCalls();
  const [ours, theirs] = host.socketpair();
  const pass = program.passFds ?? [];
  const fds = [-1, -1, -1, theirs, ...pass];
  const args = ['runts-monitor', '--ctl', '3', '--log', rec.logPath];
  if (opts.logMaxSize) args.push('--log-max-size', String(opts.logMaxSize));
  if (opts.logMaxFiles) args.push('--log-max-files', String(opts.logMaxFiles));
  if (opts.stdin) args.push('--stdin');
  if (terminal) args.push('--terminal');
  if (opts.execConsole) args.push('--exec-console');
  pass.forEach((_, i) => args.push('--pass-fd', String(4 + i)));
  if (program.execFd !== undefined) {
    args.push('--exec-fd', String(fds.length));
    fds.push(program.execFd);
  }
  if (program.cwd) args.push('--cwd', program.cwd);
  if (program.pidFile) args.push('--pid-file', program.pidFile);
  if (opts.exitCommand) {
    args.push('--exit-command', opts.exitCommand[0]);
    for (const a of opts.exitCommand.slice(1)) args.push('--exit-arg', a);
  }
  if (opts.timer) {
    const { intervalMs, firstDelayMs, command } = opts.timer;
    args.push('--timer-interval', String(intervalMs));
    // 0 means "the interval" to the monitor, which cannot arm a timer due at once: 1 ms is as soon.
    if (firstDelayMs !== undefined) args.push('--timer-first', String(Math.max(firstDelayMs, 1)));
    args.push('--timer-command', command[0]);
    for (const a of command.slice(1)) args.push('--timer-arg', a);
  }
  for (const p of opts.cgroupProcs ?? []) args.push('--cgroup-procs', p);
  args.push('--', ...program.argv);
  const failed = (e: unknown): RuntimeError => {
    closeSync(ours);
    rmSync(rec.dir, { recursive: true, force: true });
    return e instanceof RuntimeError ? e : new RuntimeError('EMONITOR', `cannot start the monitor: ${(e as Error).message}`);
  };
  try {
    exitOf(host.spawn(sealedMonitor(), args, fds, rec.dir)).catch(() => {});
  } catch (e) {
    throw failed(e);
  } finally {
    closeSync(theirs);
  }
  return () => {
    let first: string;
    try {
      // The starter writes its one line and exits at once (the monitor forks first): a short blocking read.
      first = readLine(ours);
    } catch (e) {
      throw failed(e);
    }
    return started(ours, first, rec);
  };
}

/** The monitor running on its own, from its starter's first line, or the failure that line tells. */
function started(ours: number, first: string, rec: MonitorRecord): StartedMonitor {
  const m = /^MONITOR (\d+)$/.exec(first);
  if (!m) {
    closeSync(ours);
    rmSync(rec.dir, { recursive: true, force: true });
    throw setupError(first, rec);
  }
  const pid = Number(m[1]);
  let exited: (code: number) => void;
  const exit = new Promise<number>((r) => (exited = r));
  let told = false;
  const channel = new LineChannel(
    ours,
    (line) => {
      const x = /^EXECUTOR (\d+)$/.exec(line);
      if (x) exited(Number(x[1]));
    },
    () => exited(255),
  );
  return {
    pid,
    startTime: procStartTime(pid) ?? '',
    exit,
    tellInit(init: number) {
      if (told) return;
      told = true;
      channel.write(`INIT ${init}\n`);
    },
  };
}

function readLine(fd: number): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  while (readSync(fd, one, 0, 1, null) === 1 && one[0] !== 10) bytes.push(one[0]);
  return Buffer.from(bytes).toString('utf8');
}

/** The monitor's "ERR <what> <errno> <detail>" as an error naming the option. */
function setupError(line: string, rec: MonitorRecord): RuntimeError {
  const e = /^ERR (\S+) (\d+) (.*)$/.exec(line);
  if (!e) return new RuntimeError('EMONITOR', `the monitor failed to start${line ? `: ${line}` : ''}`);
  const why = errnoName(Number(e[2]));
  if (e[1] === 'log') return new OptionError('monitor.logPath', `cannot open ${rec.logPath}: ${why}`);
  if (e[1] === 'cgroup') return new OptionError('monitor.cgroupProcs', `cannot join ${e[3]}: ${why}`);
  if (e[1] === 'attach' || e[1] === 'console') return new OptionError('monitor.dir', `cannot listen on ${join(rec.dir, e[3])}: ${why}`);
  return new RuntimeError('EMONITOR', `the monitor failed to start: ${e[1]} ${e[3]}: ${why}`);
}

/** Parses the monitor's exit file. */
export function parseExitRecord(text: string): ExitRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RuntimeError('EMONITOR', 'exit file: not JSON');
  }
  const r = v as Partial<ExitRecord>;
  const int = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!r || typeof r !== 'object' || !int(r.status) || !int(r.signal) || typeof r.exitedAt !== 'string' || Number.isNaN(Date.parse(r.exitedAt)))
    throw new RuntimeError('EMONITOR', `exit file: not an exit record: ${text.trim()}`);
  return { status: r.status!, signal: r.signal!, exitedAt: r.exitedAt };
}

/** The exit record, once the monitor has written it. */
export function readExitRecord(dir: string): ExitRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, EXIT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseExitRecord(text);
}

/** Resolves with the exit record once written (inotify on the directory,
 * and a check a second, which also notices a monitor gone without one). */
export function waitExitRecord(rec: MonitorRecord): Promise<ExitRecord> {
  return new Promise((resolveExit, reject) => {
    let done = false;
    const settle = (outcome: () => void) => {
      done = true;
      watcher.close();
      clearInterval(timer);
      outcome();
    };
    const check = () => {
      if (done) return;
      try {
        // Read again after the liveness check: the monitor writes the record just before it exits.
        const r = readExitRecord(rec.dir) ?? (processAlive(rec.pid, rec.startTime) ? undefined : readExitRecord(rec.dir) ?? null);
        if (r) settle(() => resolveExit(r));
        else if (r === null) settle(() => reject(new RuntimeError('EMONITOR', `the monitor of ${rec.dir} exited without recording the container's exit`)));
      } catch (e) {
        settle(() => reject(e));
      }
    };
    const watcher = watch(rec.dir, (_, name) => {
      if (name === EXIT_FILE) check();
    });
    // The directory removed under the watch (a delete): the check tells what is left.
    watcher.on('error', check);
    const timer = setInterval(check, 1000);
    check();
  });
}

/** Waits for the monitor to exit (it does once the init is gone and its
 * output taken); one still running after `grace` ms is killed. Then its
 * directory goes. */
export async function removeMonitor(rec: MonitorRecord, grace: number): Promise<void> {
  const deadline = Date.now() + grace;
  while (processAlive(rec.pid, rec.startTime) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  if (processAlive(rec.pid, rec.startTime)) {
    signalInit(rec.pid, rec.startTime, 9);
    while (processAlive(rec.pid, rec.startTime)) await new Promise((r) => setTimeout(r, 2));
  }
  rmSync(rec.dir, { recursive: true, force: true });
}

/**
 * Starts `runts-monitor --warm` in the cgroups of cgroupProcs: it pays the
 * kernel's wait on a first cgroup move (an RCU grace period, native/monitor)
 * ahead of a container's start, which a caller begins early enough for the
 * wait to pass while it prepares the container. Returns what stops it; it
 * stops by itself after 2 s, and when this process exits. Best effort: a
 * warmer that cannot start costs the start only that wait.
 */
export function warmCgroupMoves(cgroupProcs: string[]): () => void {
  if (!cgroupProcs.length) return () => {};
  const host = hostCalls();
  const [ours, theirs] = host.socketpair();
  try {
    exitOf(host.spawn(sealedMonitor(), ['runts-monitor', '--warm', ...cgroupProcs], [theirs, -1, -1], '/')).catch(() => {});
  } catch {
    closeSync(ours);
    return () => {};
  } finally {
    closeSync(theirs);
  }
  let open = true;
  return () => {
    if (open) closeSync(ours);
    open = false;
  };
}

/** runExecutor's launch through a monitor: the executor, from its sealed
 * copy, is the monitor's child, its sync socket passed through as fd 3.
 * The monitor is spawned by `spawn`, before the plan is made, and the
 * launch waits for it once the plan is written (see spawnMonitor). */
export class MonitorLauncher {
  started?: StartedMonitor;
  private readonly rec: MonitorRecord;
  private readonly opts: MonitorOptions;
  private readonly terminal: boolean;
  private readonly onStarted: () => void;
  private spawned?: { sock: number; confirm: () => StartedMonitor };

  /** onStarted: the monitor runs and rec has its pid (the caller records it). */
  constructor(rec: MonitorRecord, opts: MonitorOptions, terminal: boolean, onStarted: () => void) {
    this.rec = rec;
    this.opts = opts;
    this.terminal = terminal;
    this.onStarted = onStarted;
  }

  /** Spawns the monitor, which starts the executor in cwd; the executor waits for its plan. */
  spawn(cwd: string): void {
    const [ours, theirs] = hostCalls().socketpair();
    try {
      const confirm = spawnMonitor(this.rec, this.opts, { argv: ['runts-executor', '3'], execFd: sealedExecutorFd(), passFds: [theirs], cwd }, this.terminal);
      this.spawned = { sock: ours, confirm };
    } catch (e) {
      closeSync(ours);
      throw e;
    } finally {
      closeSync(theirs);
    }
  }

  readonly launch = (_fds: number[], cwd: string): { sock: number; exit: Promise<number>; confirm: () => void } => {
    if (!this.spawned) this.spawn(cwd);
    const { sock, confirm } = this.spawned!;
    let exit!: (code: Promise<number>) => void;
    const exited = new Promise<number>((r) => (exit = r));
    return {
      sock,
      exit: exited,
      confirm: () => {
        try {
          this.confirm();
        } catch (e) {
          // The monitor failed on its own and left nothing; the caller closes sock.
          this.spawned = undefined;
          throw e;
        }
        exit(this.started!.exit);
      },
    };
  };

  /** The create failed: the monitor is told there is no init. One spawned but not
   * launched first loses its executor's plan (the executor exits on the closed socket). */
  abandon(): void {
    if (!this.started) {
      if (!this.spawned) return;
      closeSync(this.spawned.sock);
      try {
        this.confirm();
      } catch {
        // The monitor failed on its own: nothing of it is left.
        return;
      }
    }
    this.started!.tellInit(0);
  }

  private confirm(): void {
    this.started = this.spawned!.confirm();
    this.rec.pid = this.started.pid;
    this.rec.startTime = this.started.startTime;
    this.onStarted();
    this.opts.onStarted?.();
  }
}

/** An OCI runtime binary (runc, runsc, crun...) and its global flags (--root ...). */
export interface OciRuntimeBinary {
  path: string;
  globalArgs?: string[];
}

export interface RuntimeCreated {
  /** The container's init, from the runtime's --pid-file. */
  pid: number;
  monitor: MonitorRecord;
}

/**
 * `<runtime> create` under a monitor, as conmon runs runc: the runtime's init
 * is left the monitor's child when the runtime exits, its stdio is the
 * monitor's (or, with a terminal, its pty master comes to the monitor's
 * console socket). The caller then runs `<runtime> start`, and `delete`
 * before removeMonitor. The runtime's own complaints go to its stderr,
 * which is the container's: a failed create is reported from the log.
 */
export async function createThroughRuntime(runtime: OciRuntimeBinary, id: string, bundle: string, opts: MonitorOptions, terminal: boolean): Promise<RuntimeCreated> {
  const rec = checkMonitorOptions(opts);
  const pidFile = join(rec.dir, 'init.pid');
  const argv = [runtime.path, ...(runtime.globalArgs ?? []), 'create', '--bundle', resolve(bundle), '--pid-file', pidFile];
  if (terminal) argv.push('--console-socket', join(rec.dir, CONSOLE_SOCKET));
  argv.push(id);
  const started = startMonitor(rec, opts, { argv, pidFile }, terminal);
  rec.pid = started.pid;
  rec.startTime = started.startTime;
  opts.onStarted?.();
  const code = await started.exit;
  const pid = code === 0 ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (!pid) {
    let said = '';
    try {
      said = logLines([readFileSync(rec.logPath, 'utf8')]).filter((l) => l.stream === 'stderr').map((l) => l.text).join(' ');
    } catch {}
    await removeMonitor(rec, 5000);
    throw new RuntimeError('ECREATE', `${runtime.path} create exited with status ${code}${said ? `: ${said}` : ''}`);
  }
  return { pid, monitor: rec };
}
