// The executor: its path, its sealed copy, and starting it. The host addon
// it is started through is loaded by src/native/host.ts, which the image
// layer shares.

import { closeSync } from 'node:fs';
import { RuntimeError } from '../oci/errors.ts';
import { buildFile, hostCalls } from '../native/host.ts';

export { hostCalls, type HostCalls } from '../native/host.ts';

function executorFile(): string {
  return buildFile('runts-executor', 'RUNTS_EXECUTOR');
}

let sealedFd: number | undefined;
let sealed: string | undefined;

/** Every executor starts from a sealed in-memory copy, made once per
 * process: a container sees it as /proc/<pid>/exe (its init is one, and so
 * is every exec's parent), and must find nothing there it can write to nor
 * anything leading back to the host's binary (CVE-2019-5736). */
function sealedExecutor(): string {
  sealed ??= `/proc/self/fd/${sealedExecutorFd()}`;
  return sealed;
}

/** The memfd of the sealed copy, for a monitor to start the executor from. */
export function sealedExecutorFd(): number {
  sealedFd ??= hostCalls().sealedCopy(executorFile());
  return sealedFd;
}

/** Starts the executor (its sealed copy) with fds[i] as its fd i (-1: /dev/null) and a
 * new sync socket after them, whose number it gets as argv[1]; extra goes
 * after, and the runtime's own fds after the socket. Returns its pid and our end of the socket. */
export function spawnExecutor(fds: number[], cwd: string, extra: string[] = [], runtimeFds: number[] = []): { pid: number; sock: number } {
  const host = hostCalls();
  const path = sealedExecutor();
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
