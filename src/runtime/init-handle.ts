// The container's init, addressed without trusting its pid alone: once the
// init exits, its number can be another process's. A handle is taken first
// and the start time checked after; a match means the handle is the init's
// (a pid is not reused while its process lives), and it stays so whatever
// happens to the number.

import { closeSync, constants, openSync } from 'node:fs';
import { hostCalls } from './native.ts';
import { procStartTime, startTimeIn } from './state-store.ts';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Signals the container's init through a pidfd; false when it is gone. */
export function signalInit(pid: number, startTime: string, sig: number): boolean {
  if (!pid) return false;
  const host = hostCalls();
  let fd: number;
  try {
    fd = host.pidfdOpen(pid);
  } catch (e) {
    // EINVAL: the number is a thread's now (pidfd_open takes only a process), so not the init's.
    if (code(e) === 'ESRCH' || code(e) === 'EINVAL') return false;
    if (code(e) !== 'ENOSYS') throw e;
    // Before Linux 5.3: the check and the signal are a moment apart.
    if (procStartTime(pid) !== startTime) return false;
    return sendOrGone(() => process.kill(pid, sig));
  }
  try {
    if (procStartTime(pid) !== startTime) return false;
    return sendOrGone(() => host.pidfdSendSignal(fd, sig));
  } finally {
    closeSync(fd);
  }
}

function sendOrGone(send: () => void): boolean {
  try {
    send();
    return true;
  } catch (e) {
    if (code(e) === 'ESRCH') return false;
    throw e;
  }
}

/** An fd of the init's /proc directory, checked through the fd itself (its
 * stat is the process it was opened for), so /proc/self/fd/N/... is the
 * init's; undefined when the init is gone. The caller closes it. */
export function openInitProc(pid: number, startTime: string): number | undefined {
  if (!pid) return undefined;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}`, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return undefined;
  }
  if (startTimeIn(`/proc/self/fd/${fd}`) === startTime) return fd;
  closeSync(fd);
  return undefined;
}
