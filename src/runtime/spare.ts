// Spare executors (native/executor/spare.c): an executor started before its
// container is asked for, blocked until it is handed the container's fds and
// working directory. An engine keeps one ready, so that the next container
// does not wait for a spawn and a process start (about 0.7 ms here).

import { closeSync, constants, openSync } from 'node:fs';
import { hostCalls, spawnExecutor } from './native.ts';
import { exitOf } from './reaper.ts';

export interface Spare {
  readonly pid: number;
  /** Our end of its sync socket. */
  readonly sock: number;
}

export function startSpare(): Spare {
  // No stdio of its own until handOver: /dev/null, and the socket at fd 3.
  return spawnExecutor([-1, -1, -1], '/', ['spare']);
}

/** Gives the spare fds[i] as its fd i (-1: /dev/null) and its working
 * directory; it then reads its plan like a spawned executor. */
export function handOver(spare: Spare, fds: number[], cwd: string): void {
  const opened: number[] = [];
  try {
    const send = fds.map((fd) => (fd >= 0 ? fd : (opened[opened.push(openSync('/dev/null', 'r+')) - 1] as number)));
    opened.push(openSync(cwd, constants.O_RDONLY | constants.O_DIRECTORY));
    hostCalls().sendFds(spare.sock, [...send, opened[opened.length - 1]]);
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

/** Closing its socket ends a spare that was never used. */
export async function stopSpare(spare: Spare): Promise<void> {
  closeSync(spare.sock);
  await exitOf(spare.pid);
}

/** One spare kept ready: taken by a create, replaced once that create is done. */
export class SpareKeeper {
  private spare?: Spare;
  private closed = false;
  private readonly warn: (msg: string) => void;

  constructor(warn: (msg: string) => void) {
    this.warn = warn;
  }

  /** The spare, if one is ready; the caller hands it over or stops it. */
  take(): Spare | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return this.closed ? undefined : spare;
  }

  /** Starts the next spare once the caller has what it waited for: while its
   * container runs, not while one is being set up (a spawn holds Node still). */
  replenish(): void {
    setImmediate(() => {
      if (this.closed || this.spare) return;
      try {
        this.spare = startSpare();
      } catch (e) {
        this.warn(`no spare executor: ${(e as Error).message}`);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await stopSpare(spare);
  }
}
