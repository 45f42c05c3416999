// berth rm: refuses a running container unless forced; removes the runtime
// container, the rootfs, the snapshot, the bundle and logs, and the row;
// with volumes (rm -v), its anonymous volumes.

import { withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { discardContainer } from './discard.ts';
import { failpoint } from '../failpoint.ts';

export async function removeContainer(ctx: EngineContext, id: string, force: boolean, volumes = false): Promise<void> {
  await withLock(ctx.lockPath(id), async () => {
    const row = ctx.containers.get(id);
    if (!row) return;
    if ((row.state === 'running' || row.state === 'paused' || row.state === 'restarting') && !force)
      throw new ConflictError(`container ${row.name} is ${row.state}: stop it before removing it, or force the removal (-f)`);
    ctx.containers.update(id, { state: 'removing' });
    failpoint('rm-after-mark');
    await discardContainer(ctx, id, { volumes });
    ctx.events.add('container', 'destroy', id, { name: row.name, image: row.image });
  });
}
