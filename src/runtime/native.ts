// The executor: its path, its sealed copy, and starting it. The host addon
// it is started through is loaded by src/native/host.ts, which the image
// layer shares.

import { closeSync } from 'node:fs';
import { RuntimeError } from '../oci/errors.ts';
import { buildFile, hostCalls } from '../native/host.ts';

export { hostCalls, type HostCalls } from '../native/host.ts';

export function executorPath(): string {
  return buildFile('runts-executor', 'RUNTS_EXECUTOR');
}

let sealed: string | undefined;

/** The executor to start where a container can see it (it joins one): a
 * sealed in-memory copy, made once per process, that no container can write
 * to and that does not lead back to the host's binary (CVE-2019-5736). */
export function protectedExecutorPath(): string {
  sealed ??= `/proc/self/fd/${hostCalls().sealedCopy(executorPath())}`;
  return sealed;
}

/** Starts the executor at path with fds[i] as its fd i (-1: /dev/null) and a
 * new sync socket after them, whose number it gets as argv[1]; extra goes
 * after. Returns its pid and our end of the socket. */
export function spawnExecutor(path: string, fds: number[], cwd: string, extra: string[] = []): { pid: number; sock: number } {
  const host = hostCalls();
  const [ours, theirs] = host.socketpair();
  try {
    return { pid: host.spawn(path, ['runts-executor', String(fds.length), ...extra], [...fds, theirs], cwd), sock: ours };
  } catch (e) {
    closeSync(ours);
    throw new RuntimeError('EEXECUTOR', `cannot run executor: ${(e as Error).message}`);
  } finally {
    closeSync(theirs);
  }
}
