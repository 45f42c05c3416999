// Cross-process mutual exclusion with O_EXCL lock files holding the owner's
// pid. A lock whose owner died (a killed pull) is taken over, so a crash
// never wedges the store.

import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tries once; true if this process now holds the lock. */
export function tryLock(path: string): boolean {
  for (;;) {
    let fd = -1;
    try {
      fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      return true;
    } catch (e) {
      // An empty lock reads as one being taken right now, forever: never leave one behind (a full disk fails the write).
      if (fd >= 0) unlinkSync(path);
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    // An empty file is a lock being written right now: treat it as live.
    if (Number.isNaN(owner) || owner === 0 || pidAlive(owner)) return false;
    try {
      unlinkSync(path);
    } catch {
      // another process took it over first
    }
  }
}

export function unlock(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T> | T, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (!tryLock(path)) {
    if (Date.now() > end) throw new Error(`timed out waiting for lock ${path}`);
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await fn();
  } finally {
    unlock(path);
  }
}
