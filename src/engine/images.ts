// Image removal as the engine sees it: an image a container was made from
// is in use. `rmi` of its last name is refused unless forced (the container
// would be left on a nameless image), and refused even then while a
// container on it runs, as Docker's hard and soft conflicts.

import { remove } from '../image/ops.ts';
import { formatReference, parseReference } from '../image/reference.ts';
import { findRecord } from '../image/resolve.ts';
import type { ImageService } from '../image/service.ts';
import type { GcResult } from '../image/gc.ts';
import { imageManifests } from '../image/walk.ts';
import type { EngineContext } from './context.ts';
import { ConflictError } from './errors.ts';
import type { ContainerRow } from './store/containers.ts';

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function isLive(row: ContainerRow): boolean {
  return row.state === 'running' || row.state === 'paused' || row.state === 'restarting';
}

/** The manifest digests an image name leads to: what a container's imageId records. */
export async function manifestDigests(svc: ImageService, target: Parameters<typeof imageManifests>[1]): Promise<Set<string>> {
  return new Set((await imageManifests(svc.content, target)).map((m) => m.desc.digest));
}

function isNameOf(n: string, name: string): boolean {
  if (n === name) return true;
  try {
    return formatReference(parseReference(n)) === name;
  } catch {
    return false;
  }
}

export async function removeImages(ctx: EngineContext, names: string[], force = false): Promise<{ removed: string[]; gc: GcResult }> {
  const svc = ctx.images;
  for (const n of names) {
    const rec = findRecord(svc, n);
    const sameImage = svc.images.list().filter((r) => r.target.digest === rec.target.digest);
    const byId = !isNameOf(n, rec.name);
    // Untagging one of several names leaves the image (and its containers' reference) in place.
    if (!byId && sameImage.length > 1) continue;
    const digests = await manifestDigests(svc, rec.target);
    const users = ctx.containers.list().filter((c) => digests.has(c.imageId));
    const running = users.find(isLive);
    if (running) throw new ConflictError(`conflict: unable to delete ${short(rec.target.digest)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
    if (users.length && !force) {
      throw new ConflictError(byId
        ? `conflict: unable to delete ${short(rec.target.digest)} (must be forced) - image is being used by stopped container ${short(users[0].id)}`
        : `conflict: unable to remove repository reference "${n}" (must force) - container ${short(users[0].id)} is using its referenced image ${short(rec.target.digest)}`);
    }
  }
  return remove(svc, names, force);
}
