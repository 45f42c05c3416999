// berth create: a name claimed in the database, a writable snapshot mounted,
// a bundle written. No runtime container yet: that is start's, as in Docker
// and Podman, so a created container costs no process. Any failure undoes
// what was made; a berth killed midway leaves a "creating" row that the next
// command's reconciliation undoes (reconcile.ts).

import { mkdirSync } from 'node:fs';
import { withLock } from '../../image/store/lock.ts';
import type { ContainerConfig } from '../config.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError } from '../errors.ts';
import { prepareSpec } from '../spec/prepare.ts';
import { type PullPolicy, imageForContainer } from './image.ts';
import { resolveMounts } from './mounts.ts';
import { checkName, generateName } from './names.ts';
import { mountRootfs, rootfsPath } from './rootfs.ts';
import { discardContainer } from './discard.ts';
import { failpoint } from '../failpoint.ts';
import { randomId } from '../random-id.ts';
import { checkHealth, imageHealth, mergeHealth } from '../health/config.ts';

export interface CreateOptions {
  pull?: PullPolicy;
  /** Told when an image is pulled (the CLI prints Docker's "Unable to find image locally"). */
  onPull?: (image: string) => void;
}

export async function createContainer(ctx: EngineContext, config: ContainerConfig, opts: CreateOptions = {}): Promise<string> {
  if (typeof config.image !== 'string' || !config.image) throw new InvalidArgumentError('image', 'is required');
  const name = config.name !== undefined ? checkName(config.name) : generateName((n) => exists(ctx, n));
  if (config.health !== undefined) checkHealth(config.health);
  // A runtime binary that is not there fails the create before anything is made.
  ctx.runtimeFor(config.runtime);
  const { image, chainId } = await imageForContainer(ctx, config.image, opts.pull ?? 'missing', config.platform, opts.onPull);
  const id = randomId();
  // Docker's: the container keeps the image's health check, under its own settings.
  const health = mergeHealth(config.health, imageHealth(image.config.config?.Healthcheck));
  const stored: ContainerConfig = { ...config, name, ...(health && { health }) };
  // The lock first: reconciliation takes a "creating" row whose lock is free for a create that died.
  await withLock(ctx.lockPath(id), async () => {
    ctx.containers.insert({ id, name, image: config.image, imageId: image.manifestDesc.digest, config: stored, createdAt: new Date().toISOString() });
    failpoint('create-after-insert');
    // Volumes this create made: a failed create removes them with the container.
    const made: string[] = [];
    try {
      const dir = ctx.containerDir(id);
      mkdirSync(dir, { mode: 0o700 });
      await ctx.images.snapshots.prepare(id, chainId);
      failpoint('create-after-snapshot');
      mountRootfs(ctx, id, { volatile: config.autoRemove });
      failpoint('create-after-mount');
      const mounts = await resolveMounts(ctx, id, rootfsPath(ctx, id), config.mounts ?? [], image.config, made);
      ctx.preparedSpecs.set(id, prepareSpec({
        id, config: stored, image: image.config, imageName: image.record.name, imageDigest: image.manifestDesc.digest,
        rootfs: rootfsPath(ctx, id), containerDir: dir, mounts, warn: ctx.warn,
      }));
      failpoint('create-after-bundle');
      ctx.containers.update(id, { state: 'created' });
      ctx.events.add('container', 'create', id, { name, image: config.image });
    } catch (e) {
      await discardContainer(ctx, id, { volumes: true, alsoRemove: made });
      throw e;
    }
  });
  return id;
}

function exists(ctx: EngineContext, name: string): boolean {
  try {
    ctx.containers.find(name);
    return true;
  } catch {
    return false;
  }
}
