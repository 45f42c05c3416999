// SCMP_ACT_NOTIFY: the listener the kernel gave the container process goes to
// the seccomp agent at linux.seccomp.listenerPath, with the container process
// state (runtime-spec "containerProcessState"), in one message, as runc sends it.

import { closeSync } from 'node:fs';
import { RuntimeError } from '../../oci/errors.ts';
import { type LinuxSeccomp, OCI_VERSION, type State } from '../../oci/spec.ts';
import { hostCalls } from '../native.ts';

/** The name runtime-spec gives the listener in the state's fds. */
const SECCOMP_FD_NAME = 'seccompFd';

export interface ContainerProcessState {
  ociVersion: string;
  fds: string[];
  pid: number;
  metadata?: string;
  state: State;
}

export function processState(seccomp: LinuxSeccomp, pid: number, state: State): ContainerProcessState {
  const out: ContainerProcessState = { ociVersion: OCI_VERSION, fds: [SECCOMP_FD_NAME], pid, state };
  if (seccomp.listenerMetadata) out.metadata = seccomp.listenerMetadata;
  return out;
}

/** Takes the listener (fd `fd` of process `pid`) and sends it to the agent; the process keeps its own until we answer. */
export function sendListener(seccomp: LinuxSeccomp, pid: number, fd: number, state: State): void {
  const host = hostCalls();
  const path = seccomp.listenerPath!;
  let pidfd = -1;
  let listener = -1;
  let sock = -1;
  try {
    pidfd = host.pidfdOpen(pid);
    listener = host.pidfdGetfd(pidfd, fd);
    try {
      sock = host.connectUnix(path);
    } catch (e) {
      throw new RuntimeError('ESECCOMPAGENT', `cannot reach the seccomp agent at ${path} (linux.seccomp.listenerPath): ${(e as Error).message}`);
    }
    host.sendFds(sock, [listener], Buffer.from(JSON.stringify(processState(seccomp, pid, state))));
  } finally {
    for (const f of [sock, listener, pidfd]) if (f >= 0) closeSync(f);
  }
}
