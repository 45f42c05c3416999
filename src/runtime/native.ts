// The two native parts scripts/setup builds into build/: the executor (a
// static program that carries out plans) and the host addon (the system
// calls Node lacks, loaded into this process).

import { closeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../oci/errors.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** build/<name>: from src/runtime it is ../../build; the CLI bundles live in build/ beside it. */
function buildFile(name: string, env: string): string {
  const candidates = [join(HERE, '..', '..', 'build', name), join(HERE, name)];
  const path = process.env[env] ?? candidates.find((p) => existsSync(p)) ?? candidates[0];
  if (!existsSync(path)) throw new RuntimeError('ENONATIVE', `${name} not found at ${path}: run scripts/setup`);
  return path;
}

export function executorPath(): string {
  return buildFile('runts-executor', 'RUNTS_EXECUTOR');
}

export interface HostCalls {
  /** posix_spawn: fds[i] becomes the child's fd i (-1: /dev/null). Returns the pid. */
  spawn(path: string, argv: string[], fds: number[], cwd: string): number;
  /** A close-on-exec unix stream socket pair. */
  socketpair(): [number, number];
  /** A memfd holding a sealed copy of the file at path (close-on-exec). */
  sealedCopy(path: string): number;
  /** Whether fd is a terminal (Node's own needs node:tty and node:net loaded). */
  isatty(fd: number): boolean;
  /** A blocking, close-on-exec stream socket connected to the unix socket at path. */
  connectUnix(path: string): number;
  /** One message on a unix socket carrying fds (SCM_RIGHTS); its payload is their count. */
  sendFds(sock: number, fds: number[]): void;
  /** null while the child runs; then its exit code, or 128 + the signal that killed it. */
  reap(pid: number): number | null;
  /** A pidfd: a handle on the process that has pid now (close-on-exec). Throws ENOSYS before Linux 5.3. */
  pidfdOpen(pid: number): number;
  /** Signals the process of a pidfd; throws ESRCH once it is gone. */
  pidfdSendSignal(fd: number, sig: number): void;
}

let host: HostCalls | undefined;
let sealed: string | undefined;

/** The executor to start where a container can see it (it joins one): a
 * sealed in-memory copy, made once per process, that no container can write
 * to and that does not lead back to the host's binary (CVE-2019-5736). */
export function protectedExecutorPath(): string {
  sealed ??= `/proc/self/fd/${hostCalls().sealedCopy(executorPath())}`;
  return sealed;
}

export function hostCalls(): HostCalls {
  if (!host) {
    const mod = { exports: {} as HostCalls };
    process.dlopen(mod, buildFile('runts-host.node', 'RUNTS_HOST_ADDON'));
    host = mod.exports;
  }
  return host;
}

/** Starts the executor at path with fds[i] as its fd i (-1: /dev/null), a
 * new sync socket after them, whose number it gets as argv[1] (extra goes
 * after), and the runtime's own fds after the socket. Returns its pid and our
 * end of the socket. */
export function spawnExecutor(path: string, fds: number[], cwd: string, extra: string[] = [], runtimeFds: number[] = []): { pid: number; sock: number } {
  const host = hostCalls();
  const [ours, theirs] = host.socketpair();
  try {
    return { pid: host.spawn(path, ['runts-executor', String(fds.length), ...extra], [...fds, theirs, ...runtimeFds], cwd), sock: ours };
  } catch (e) {
    closeSync(ours);
    throw new RuntimeError('EEXECUTOR', `cannot run executor: ${(e as Error).message}`);
  } finally {
    closeSync(theirs);
  }
}
