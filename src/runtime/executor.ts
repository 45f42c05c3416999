// Runs the native executor on a plan and speaks its line protocol
// (native/executor/report.h): PID, SYNC, SECCOMP, READY, ERR.

import { closeSync, writeSync } from 'node:fs';
import { RuntimeError, StepError } from '../oci/errors.ts';
import { spawnExecutor } from './native.ts';
import { encodePlan } from './plan/encode.ts';
import type { Plan } from './plan/ops.ts';
import { exitOf } from './reaper.ts';
import { LineChannel } from './channel.ts';
import { handOver, type Spare, stopSpare } from './spare.ts';

/** fds 0..2, then any preserved fds (3, 4, ...) for the container: an fd of ours, the same fd, or /dev/null. */
export type Stdio = (number | 'inherit' | 'ignore')[];

export interface ExecutorOptions {
  plan: Plan;
  cwd: string;
  stdio: Stdio;
  onPid?: (pid: number) => void;
  /** An executor started ahead of time (spare.ts) to use instead of spawning one. */
  spare?: Spare;
  /** fds of the runtime's that plan steps name (see runtimeFd); never the container's. */
  runtimeFds?: number[];
  /** Starts the executor some other way (a monitor, monitor.ts), given its fds
   * and working directory: returns our end of its sync socket and its exit code to
   * come, and maybe a confirm to call once the plan is written, which waits until
   * the executor is known to run (it throws if the launch failed). */
  launch?: (fds: number[], cwd: string) => { sock: number; exit: Promise<number>; confirm?: () => void };
  /** Answers a SYNC: the bytes returned become the stdin of in-container hooks. Throw to fail. */
  onSync?: (name: string) => Promise<Buffer | string>;
  /** The process loaded a seccomp filter with a listener, fd number `fd` in process `pid`; the
   * process holds it until this returns. Throw to fail. */
  onSeccompListener?: (pid: number, fd: number) => void;
}

export interface ExecutorResult {
  pid: number;
  ready: boolean;
  /** The executor's exit code; in "wait" mode it is the container's. */
  exit: Promise<number>;
}

/** The number the executor has runtimeFds[i] under: after the container's fds and the sync socket (the executor keeps those above the socket from the container). */
export function runtimeFd(stdio: Stdio, i: number): number {
  return stdio.length + 1 + i;
}

/** The spare, given the container's fds; undefined if it is gone (then it is reaped, and one is spawned). */
function useSpare(spare: Spare, fds: number[], cwd: string): Spare | undefined {
  try {
    handOver(spare, fds, cwd);
    return spare;
  } catch {
    stopSpare(spare).catch(() => {});
    return undefined;
  }
}

/** Starts the executor and resolves once set-up is over: the init is
 * waiting for start (READY), has exec'd, or failed (rejects). */
export function runExecutor(opts: ExecutorOptions): Promise<ExecutorResult> {
  const fds = opts.stdio.map((s, i) => (s === 'inherit' ? i : s === 'ignore' ? -1 : s));
  const wire = encodePlan(opts.plan);
  let ours: number;
  let exit: Promise<number>;
  let confirm: (() => void) | undefined;
  if (opts.launch) ({ sock: ours, exit, confirm } = opts.launch(fds, opts.cwd));
  else {
    const { pid: executor, sock } = (opts.spare && useSpare(opts.spare, fds, opts.cwd)) ||
      spawnExecutor(fds, opts.cwd, [], opts.runtimeFds);
    ours = sock;
    exit = exitOf(executor);
  }
  // Written at once, while the socket is still blocking: the executor is
  // reading it, and the wire goes out before Node sets up its own side. An
  // executor that died first (EPIPE) reports why on the socket or by its exit.
  try {
    for (let off = 0; off < wire.length; ) off += writeSync(ours, wire, off);
  } catch {}
  try {
    confirm?.();
  } catch (e) {
    closeSync(ours);
    throw e;
  }
  return new Promise((resolve, reject) => {
    let pid = 0;
    let ready = false;
    let failure: Error | undefined;
    let pending = Promise.resolve();
    // The init can ask SYNC before the parent's PID line arrives: both write
    // to this socket. A SYNC is answered only once the pid is known.
    let pidKnown: () => void;
    const havePid = new Promise<void>((r) => (pidKnown = r));
    const handle = async (line: string) => {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'READY') ready = true;
      else if (kind === 'SYNC') {
        try {
          await havePid;
          const data = Buffer.from((await opts.onSync?.(rest[0])) ?? '');
          channel.write(Buffer.concat([Buffer.from(`OK ${data.length}\n`), data]));
        } catch (e) {
          failure ??= e as Error;
          channel.write(`FAIL ${(e as Error).message.replaceAll('\n', ' ')}\n`);
        }
      } else if (kind === 'SECCOMP') {
        try {
          await havePid;
          if (!opts.onSeccompListener) throw new RuntimeError('ESECCOMP', 'the container made a seccomp listener nobody asked for');
          opts.onSeccompListener(pid, Number(rest[0]));
          channel.write('OK\n');
        } catch (e) {
          failure ??= e as Error;
          channel.write(`FAIL ${(e as Error).message.replaceAll('\n', ' ')}\n`);
        }
      } else if (kind === 'ERR') {
        const [step, op, errno, ...detail] = rest;
        failure ??= new StepError(Number(step), op, Number(errno), detail.join(' '));
      }
    };
    const onLine = (line: string) => {
      if (line.startsWith('PID ')) {
        pid = Number(line.slice(4));
        try {
          opts.onPid?.(pid);
        } catch (e) {
          failure ??= e as Error;
        }
        pidKnown!();
        return;
      }
      pending = pending.then(() => handle(line)).catch((e) => {
        failure ??= e as Error;
      });
    };
    const onClose = async () => {
      pidKnown!();
      await pending;
      if (failure) return reject(failure);
      if (!pid) {
        const code = await exit;
        return reject(new RuntimeError('EEXECUTOR', `executor exited with status ${code} before the container started`));
      }
      resolve({ pid, ready, exit });
    };
    const channel = new LineChannel(ours, onLine, onClose);
  }).then(
    (r) => r as ExecutorResult,
    async (e) => {
      await exit;
      throw e;
    },
  );
}
