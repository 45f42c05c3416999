// Cross-process mutual exclusion with flock(2) on a lock file. The kernel
// releases a lock when its holder dies (a killed pull), so a crash never
// wedges the store, and no lock is ever taken over on a guess (a pid read
// from a file, which two waiters could both act on).
//
// Only a holder removes a lock file, and it does so before releasing: a
// waiter that then gets the lock of the removed file sees that the path no
// longer names it and tries again on the new one.

import { closeSync, fstatSync, openSync, statSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostCalls } from '../../native/host.ts';

const LOCK_EX = 2;
const LOCK_NB = 4;

export interface Lock {
  readonly path: string;
  readonly fd: number;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sameFile(fd: number, path: string): boolean {
  const held = fstatSync(fd);
  try {
    const now = statSync(path);
    return now.ino === held.ino && now.dev === held.dev;
  } catch {
    return false;
  }
}

/** Tries once (a moment longer if the file was just replaced); the lock, or null if another process holds it. */
export function tryLock(path: string): Lock | null {
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, 'a', 0o600);
    } catch (e) {
      // Its directory is being removed by the last holder: as good as held.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      hostCalls().flock(fd, LOCK_EX | LOCK_NB);
    } catch (e) {
      closeSync(fd);
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return null;
      throw e;
    }
    if (sameFile(fd, path)) return { path, fd };
    closeSync(fd);
  }
}

/** Releases the lock; with remove, deletes its file first (while still holding it). */
export function unlock(lock: Lock, remove = false): void {
  try {
    if (remove) unlinkSync(lock.path);
  } catch {
    // already gone
  } finally {
    closeSync(lock.fd);
  }
}

/** Runs fn holding the lock at path; the lock file is removed when done. */
export async function withLock<T>(path: string, fn: () => Promise<T> | T, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lock: Lock | null;
  while (!(lock = tryLock(path))) {
    if (Date.now() > end) throw new Error(`timed out waiting for lock ${path}`);
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await fn();
  } finally {
    unlock(lock, true);
  }
}
