// The database against what is really there, at the start of every berth
// command: exits nobody recorded (a killed monitor, a reboot), creates and
// removals whose berth died midway, restarts whose back-off sleeper died.
// Cheap when all is well: one query and a stat or two per live container.

import { tryLock, unlock, withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { discardContainer } from './discard.ts';
import { cleanupLocked, hasExited } from './exit.ts';
import { startLocked } from './start.ts';

/** A restart left waiting longer than the longest back-off lost its sleeper. */
const RESTART_LOST_MS = 65_000;

export async function reconcile(ctx: EngineContext): Promise<void> {
  for (const row of ctx.containers.list()) {
    if (row.state === 'creating' || row.state === 'removing') {
      const lock = tryLock(ctx.lockPath(row.id));
      if (!lock) continue; // its berth is at work
      try {
        const now = ctx.containers.get(row.id);
        if (now?.state === 'creating' || now?.state === 'removing') await discardContainer(ctx, row.id);
      } finally {
        unlock(lock, true);
      }
    } else if ((row.state === 'running' || row.state === 'paused') && hasExited(ctx, row)) {
      // No back-off here: this exit went unseen (a killed monitor, a reboot), and no command should sleep on it.
      await withLock(ctx.lockPath(row.id), async () => {
        const { restartInMs } = await cleanupLocked(ctx, row.id);
        const now = ctx.containers.get(row.id);
        if (restartInMs !== undefined && now?.state === 'restarting') await startLocked(ctx, now);
      });
    } else if (row.state === 'restarting' && Date.now() - Date.parse(row.finishedAt ?? row.createdAt) > RESTART_LOST_MS) {
      const lock = tryLock(ctx.lockPath(row.id));
      if (!lock) continue;
      try {
        const now = ctx.containers.get(row.id);
        if (now?.state === 'restarting') await startLocked(ctx, now);
      } finally {
        unlock(lock, true);
      }
    }
  }
}
