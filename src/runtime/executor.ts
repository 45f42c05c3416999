// Runs the native executor on a plan and speaks its line protocol
// (native/executor/report.h): PID, SYNC, READY, ERR.

import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError, StepError } from '../oci/errors.ts';
import { encodePlan } from './plan/encode.ts';
import type { Plan } from './plan/ops.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
// From src/runtime the binary is ../../build/; from the stripped build/js/runtime it is ../../.
const CANDIDATES = [join(HERE, '..', '..', 'build', 'runts-executor'), join(HERE, '..', '..', 'runts-executor')];

export function executorPath(): string {
  const path = process.env.RUNTS_EXECUTOR ?? CANDIDATES.find((p) => existsSync(p)) ?? CANDIDATES[0];
  if (!existsSync(path))
    throw new RuntimeError('ENOEXECUTOR', `executor not found at ${path}: run scripts/setup (or make -C native/executor)`);
  return path;
}

export interface ExecutorOptions {
  plan: Plan;
  cwd: string;
  /** fds 0..2, then any preserved fds (3, 4, ...) for the container. */
  stdio: (number | 'inherit' | 'ignore' | 'pipe')[];
  onPid?: (pid: number) => void;
  /** Answers a SYNC: the bytes returned become the stdin of in-container hooks. Throw to fail. */
  onSync?: (name: string) => Promise<Buffer | string>;
}

export interface ExecutorResult {
  pid: number;
  ready: boolean;
  /** The executor process; in "wait" mode its exit code is the container's. */
  child: ChildProcess;
  exit: Promise<number>;
}

/** Starts the executor and resolves once set-up is over: the init is
 * waiting for start (READY), has exec'd, or failed (rejects). */
export function runExecutor(opts: ExecutorOptions): Promise<ExecutorResult> {
  const syncFd = opts.stdio.length;
  const stdio: StdioOptions = [...opts.stdio, 'pipe'];
  const child = spawn(executorPath(), [String(syncFd)], { cwd: opts.cwd, stdio });
  const sock = child.stdio[syncFd] as Socket;
  const exit = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? 128 + signalNumber(sig))));
  return new Promise((resolve, reject) => {
    let pid = 0;
    let ready = false;
    let failure: Error | undefined;
    let buffered = '';
    let pending = Promise.resolve();
    // The init can ask SYNC before the parent's PID line arrives: both write
    // to this socket. A SYNC is answered only once the pid is known.
    let pidKnown: () => void;
    const havePid = new Promise<void>((r) => (pidKnown = r));
    child.on('error', (e) => {
      failure ??= new RuntimeError('EEXECUTOR', `cannot run executor: ${e.message}`);
    });
    const handle = async (line: string) => {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'READY') ready = true;
      else if (kind === 'SYNC') {
        try {
          await havePid;
          const data = Buffer.from((await opts.onSync?.(rest[0])) ?? '');
          sock.write(`OK ${data.length}\n`);
          sock.write(data);
        } catch (e) {
          failure ??= e as Error;
          sock.write(`FAIL ${(e as Error).message.replaceAll('\n', ' ')}\n`);
        }
      } else if (kind === 'ERR') {
        const [step, op, errno, ...detail] = rest;
        failure ??= new StepError(Number(step), op, Number(errno), detail.join(' '));
      }
    };
    sock.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('PID ')) {
          pid = Number(line.slice(4));
          try {
            opts.onPid?.(pid);
          } catch (e) {
            failure ??= e as Error;
          }
          pidKnown!();
          continue;
        }
        pending = pending.then(() => handle(line)).catch((e) => {
          failure ??= e as Error;
        });
      }
    });
    sock.on('error', () => {});
    sock.on('close', async () => {
      pidKnown!();
      await pending;
      if (failure) return reject(failure);
      if (!pid) {
        const code = await exit;
        return reject(new RuntimeError('EEXECUTOR', `executor exited with status ${code} before the container started`));
      }
      resolve({ pid, ready, child, exit });
    });
    sock.write(encodePlan(opts.plan));
  }).then(
    (r) => r as ExecutorResult,
    async (e) => {
      await exit;
      throw e;
    },
  );
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (constants.signals[sig] ?? 0) : 0;
}
