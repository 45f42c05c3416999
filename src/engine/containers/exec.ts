// berth exec: another process in a running container, through the runtime
// library's exec (the executor joins the container's namespaces and cgroups).
// Its stdio is either Node streams (socket pairs whose other ends the process
// holds) or fds of this process, as a CLI passes its own; -t without a
// console socket is the executor's terminal relay.

import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CAPABILITIES } from '../../oci/linux.ts';
import type { Process } from '../../oci/spec.ts';
import { resolveUser } from '../../image/user.ts';
import type { Stdio } from '../../runtime/executor.ts';
import { EXEC_CONSOLE_SOCKET } from '../../runtime/monitor.ts';
import { kernelLastCap } from '../../runtime/process-checks.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, ExecFailedError, InvalidArgumentError } from '../errors.ts';
import { streamPairs } from '../stream-pair.ts';
import { mergeEnv } from '../spec/build.ts';
import type { ContainerRow } from '../store/containers.ts';
import { readSpec } from './inspect.ts';
import { rootfsPath } from './rootfs.ts';

export interface ExecOptions {
  cmd: string[];
  /** KEY=VALUE, over the container's environment. */
  env?: string[];
  /** name|uid[:group|gid], resolved in the container's /etc/passwd and /etc/group (default: the container's user). */
  user?: string;
  /** Default: the container's working directory. */
  workdir?: string;
  tty?: boolean;
  /** The terminal's size with tty (rows, cols). */
  consoleSize?: { rows: number; cols: number };
  /** Every capability the kernel has, as Docker's exec --privileged. */
  privileged?: boolean;
  /** Keep stdin open (-i): the process reads what is written to `stdin`. */
  stdin?: boolean;
  /** Return once the process runs; nothing waits for it, it has no stdio. */
  detach?: boolean;
  /** "pipe" (default): Node streams. Or fds of this process for 0..2, as the runtime takes them (a CLI's own). */
  stdio?: 'pipe' | Stdio;
}

export interface ExecProcess {
  /** The process's pid on the host. */
  pid: number;
  /** With stdio "pipe": stdin (with `stdin`), stdout, and stderr (without tty: a terminal has one stream). */
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Its exit status (128+signal when killed); absent with detach. */
  exit?: Promise<number>;
}

export function execProcess(ctx: EngineContext, row: ContainerRow, opts: ExecOptions): Process {
  if (!Array.isArray(opts.cmd) || opts.cmd.length === 0 || opts.cmd.some((a) => typeof a !== 'string'))
    throw new InvalidArgumentError('cmd', 'a command to run is required');
  const base = readSpec(ctx, row.id)?.process;
  if (!base) throw new ConflictError(`container ${row.name} has no process configuration to exec from`);
  for (const [i, kv] of (opts.env ?? []).entries()) if (!kv.includes('=') || kv.startsWith('=')) throw new InvalidArgumentError(`env[${i}]`, `"${kv}" is not KEY=VALUE`);
  if (opts.workdir !== undefined && !opts.workdir.startsWith('/')) throw new InvalidArgumentError('workdir', `"${opts.workdir}" is not an absolute path`);
  const proc: Process = structuredClone(base);
  proc.args = [...opts.cmd];
  proc.terminal = !!opts.tty;
  delete proc.consoleSize;
  if (opts.tty && opts.consoleSize) proc.consoleSize = { height: opts.consoleSize.rows, width: opts.consoleSize.cols };
  proc.env = mergeEnv(proc.env, opts.tty ? ['TERM=xterm'] : [], opts.env);
  if (opts.workdir !== undefined) proc.cwd = opts.workdir;
  if (opts.user !== undefined) {
    try {
      proc.user = resolveUser(rootfsPath(ctx, row.id), opts.user, row.name);
    } catch (e) {
      throw new ExecFailedError('user', (e as Error).message, 126);
    }
  }
  if (opts.privileged) {
    const all = grantable();
    proc.capabilities = { bounding: [...all], effective: [...all], permitted: [...all] };
  }
  return proc;
}

/** Every capability the kernel has and this process may hand on (its bounding set: a host may withhold some even from root). */
function grantable(): string[] {
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const mask = bnd ? BigInt(`0x${bnd[1]}`) : -1n;
  return CAPABILITIES.slice(0, (kernelLastCap() ?? CAPABILITIES.length - 1) + 1).filter((_, i) => (mask >> BigInt(i)) & 1n);
}

export async function execInContainer(ctx: EngineContext, row: ContainerRow, opts: ExecOptions): Promise<ExecProcess> {
  if (row.state === 'paused') throw new ConflictError(`container ${row.name} is paused: unpause it before exec`);
  if (row.state !== 'running') throw new ConflictError(`container ${row.name} is not running`);
  const proc = execProcess(ctx, row, opts);
  const pipe = !opts.detach && (opts.stdio ?? 'pipe') === 'pipe';
  // The process's stdio with pipes: stdin (with -i), stdout, stderr (not with a terminal, which has one stream).
  const wanted = pipe ? [!!opts.stdin, true, !opts.tty] : [];
  const made = await streamPairs(ctx.runRoot, wanted.filter(Boolean).length);
  const pairs = wanted.map((w) => (w ? made.shift() : undefined));
  const stdio: Stdio = opts.detach ? ['ignore', 'ignore', 'ignore'] : pipe ? pairs.map((p) => p?.fd ?? 'ignore') : (opts.stdio as Stdio);
  let started;
  try {
    // Detached with a terminal: the container's monitor holds it (its console socket).
    const consoleSocket = opts.detach && opts.tty ? join(ctx.monitorDir(row.id), EXEC_CONSOLE_SOCKET) : undefined;
    started = await ctx.runtimeFor(row.config.runtime).exec(row.id, { process: proc, detach: !!opts.detach, stdio, ...(consoleSocket && { consoleSocket }) });
  } catch (e) {
    for (const p of pairs) p?.socket.destroy();
    throw e;
  } finally {
    for (const p of pairs) if (p) closeSync(p.fd);
  }
  ctx.events.add('container', 'exec_start', row.id, { name: row.name, execID: String(started.pid), command: opts.cmd.join(' ') });
  const exit = started.exit?.then((code) => {
    try {
      ctx.events.add('container', 'exec_die', row.id, { name: row.name, execID: String(started.pid), exitCode: String(code) });
    } catch {
      // The caller closed its Berth before the process ended: the status still counts, the event is lost.
    }
    return code;
  });
  const sockets = pairs.map((p) => p?.socket);
  return {
    pid: started.pid,
    ...(sockets[0] && { stdin: sockets[0] }),
    ...(sockets[1] && { stdout: sockets[1] }),
    ...(sockets[2] && { stderr: sockets[2] }),
    ...(exit && { exit }),
  };
}
