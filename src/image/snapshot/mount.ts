// Mounting what a snapshotter returns, through the host addon's system calls.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostCalls } from '../../native/host.ts';
import type { SnapshotMount } from './snapshotter.ts';

const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const UMOUNT_NOFOLLOW = 8;

/** Mounts a snapshot's mounts at target, in order (made if missing). */
export function mountSnapshot(mounts: SnapshotMount[], target: string): void {
  const at = resolve(target);
  mkdirSync(at, { recursive: true });
  for (const m of mounts) {
    try {
      if (m.type === 'bind') hostCalls().mount(m.source, at, '', MS_BIND | MS_REC, '', '');
      else hostCalls().mount(m.source, at, m.type, 0, m.options.join(','), m.cwd ?? '');
    } catch (e) {
      throw new Error(`mount ${m.type} on ${at}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Unmounts a snapshot from target; nothing mounted there (any more) is no error. */
export function unmountSnapshot(target: string): void {
  for (;;) {
    try {
      hostCalls().umount2(resolve(target), UMOUNT_NOFOLLOW);
    } catch (e) {
      // EINVAL: nothing is mounted there (any more); ENOENT: nor is there anything.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return;
      throw new Error(`unmount ${target}: ${(e as Error).message}`, { cause: e });
    }
  }
}
