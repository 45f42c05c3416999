// What the store holds and takes (system df) and taking back what nothing
// uses (container prune, system prune), in Docker's terms: images, the
// containers' writable layers, local volumes, and a build cache that berth
// does not have (always 0).

import { list as listImages, prune as pruneImages } from '../image/ops.ts';
import type { EngineContext } from './context.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { isLive, manifestDigests } from './images.ts';
import { removeContainer } from './containers/remove.ts';
import { dataSize, treeSize } from './volumes/local.ts';
import { pruneVolumes, volumeStore } from './volumes/service.ts';

export interface DiskUsage {
  images: { name: string; digest: string; size: number; containers: number }[];
  containers: { id: string; name: string; image: string; state: string; size: number }[];
  /** Local volumes without mount options (a mounted filesystem's size is not the store's). */
  volumes: { name: string; size: number; links: number }[];
  buildCache: [];
}

/** Bytes of a container's writable layer. */
function writableSize(ctx: EngineContext, id: string): number {
  try {
    return treeSize(ctx.images.snapshots.changesDir(id));
  } catch {
    return 0;
  }
}

export async function diskUsage(ctx: EngineContext): Promise<DiskUsage> {
  const containers = ctx.containers.list().filter((c) => c.state !== 'creating');
  const images: DiskUsage['images'] = [];
  for (const i of await listImages(ctx.images)) {
    const rec = ctx.images.images.list().find((r) => r.name === i.name);
    const digests = rec ? await manifestDigests(ctx.images, rec.target) : new Set<string>();
    images.push({ name: i.name, digest: i.digest, size: i.size, containers: containers.filter((c) => digests.has(c.imageId)).length });
  }
  const links = volumeStore(ctx).linkCounts();
  return {
    images,
    containers: containers.map((c) => ({ id: c.id, name: c.name, image: c.image, state: c.state, size: writableSize(ctx, c.id) })),
    volumes: volumeStore(ctx).list().filter((v) => v.driver === 'local' && !Object.keys(v.options).length)
      .map((v) => ({ name: v.name, size: dataSize(ctx, v.name), links: links.get(v.name) ?? 0 })),
    buildCache: [],
  };
}

/** docker container prune: every container not running (created, exited, dead); its volumes stay. */
export async function pruneContainers(ctx: EngineContext): Promise<{ removed: string[]; bytes: number }> {
  const out = { removed: [] as string[], bytes: 0 };
  for (const c of ctx.containers.list()) {
    if (isLive(c) || c.state === 'creating' || c.state === 'removing') continue;
    const size = writableSize(ctx, c.id);
    try {
      await removeContainer(ctx, c.id, false);
    } catch (e) {
      // Started (or removed) since the list was read.
      if (e instanceof ConflictError || e instanceof NotFoundError) continue;
      throw e;
    }
    out.removed.push(c.id);
    out.bytes += size;
  }
  return out;
}

export interface SystemPruneResult {
  containers: string[];
  volumes: string[];
  images: string[];
  bytes: number;
}

/** docker system prune: stopped containers, then (with volumes) unused anonymous volumes, then dangling images (with all, every unused image). */
export async function pruneSystem(ctx: EngineContext, opts: { all?: boolean; volumes?: boolean } = {}): Promise<SystemPruneResult> {
  const c = await pruneContainers(ctx);
  const v = opts.volumes ? await pruneVolumes(ctx) : { removed: [], bytes: 0 };
  const i = await pruneImages(ctx.images, { all: opts.all });
  return { containers: c.removed, volumes: v.removed, images: i.removed, bytes: c.bytes + v.bytes + i.gc.bytes };
}
