// A removed container's files, renamed out of the way at once and deleted by
// the next sweep. A foreground `run --rm` removes its container this way, and
// the monitor's exit command, which runs anyway once the container exits,
// sweeps: deleting the directories cost the CLI some 3 ms of ext4 unlinks on
// the development VM. Whatever removes a container without deferring (rm,
// cleanup by the exit command or by reconciliation) sweeps as well.

import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.ts';

/** Moves path (in the store) into the trash under name; nothing if it is gone. */
export function trash(ctx: EngineContext, path: string, name: string): void {
  try {
    renameSync(path, join(ctx.trashDir(), name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Deletes what the trash holds, and the snapshots retired meanwhile. An entry
 * another sweep is deleting at the same time is left to it. */
export function sweepTrash(ctx: EngineContext): void {
  for (const name of readdirSync(ctx.trashDir())) {
    try {
      rmSync(join(ctx.trashDir(), name), { recursive: true, force: true });
    } catch {
      // Being deleted by the other sweep.
    }
  }
  ctx.images.snapshots.sweepRetired();
}
