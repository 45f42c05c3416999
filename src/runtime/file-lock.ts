// An exclusive flock(2) on a file in a container's state directory, for the
// operations that read, change and write back what the record describes
// (update: its rollback puts back the values it found, which a second update
// running at once would have changed under it). The kernel drops the lock
// when its holder dies, so a killed runts never wedges a container. The file
// stays: it goes with the directory, and removing it would let a waiter lock
// a file no later caller opens.

import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostCalls } from './native.ts';

const LOCK_EX = 2;
const LOCK_NB = 4;

/** Runs fn holding the lock named `name` in dir; waits (without blocking the event loop) while another holds it. */
export async function withFileLock<T>(dir: string, name: string, fn: () => Promise<T> | T): Promise<T> {
  const fd = openSync(join(dir, name), 'a', 0o600);
  try {
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        hostCalls().flock(fd, LOCK_EX | LOCK_NB);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      await sleep(wait);
    }
    return await fn();
  } finally {
    closeSync(fd);
  }
}
