// diff, export and commit: a container's writable snapshot through the image
// layer's functions. diff lists its changes (the snapshotter's changes
// directory against the layers below), export writes its mounted rootfs as a
// tar (read through fds, so no symlink it made leads out), commit makes its
// changes one more layer over its image's, with its own run config over the
// image's, paused meanwhile as Docker pauses it.

import type { Writable } from 'node:stream';
import { withLock } from '../../image/store/lock.ts';
import type { NewImage } from '../../image/build.ts';
import { commitImage } from '../../image/commit.ts';
import { type Change, diffSource, listChanges } from '../../image/diff.ts';
import { exportTree } from '../../image/export.ts';
import { ImageNotFoundError } from '../../image/errors.ts';
import { parsePlatform } from '../../image/platform.ts';
import { type ResolvedImage, resolveImage } from '../../image/resolve.ts';
import type { ImageRunConfig } from '../../oci/image-spec.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { mergeEnv } from '../spec/build.ts';
import type { ContainerRow } from '../store/containers.ts';
import { readSpec } from './inspect.ts';
import { pauseContainer, unpauseContainer } from './pause.ts';
import { mountRootfs, rootfsPath } from './rootfs.ts';

export type { Change } from '../../image/diff.ts';

export interface CommitOptions {
  /** The new image's name (REPO[:TAG]); without one it is known by its ID. */
  ref?: string;
  /** The history entry's comment (-m). */
  message?: string;
  author?: string;
  /** Dockerfile instructions applied to the new image's config (-c: CMD, ENV, LABEL...). */
  changes?: string[];
  /** Freeze the container while its changes are read (default true, as Docker's -p). */
  pause?: boolean;
}

function present(row: ContainerRow): void {
  if (row.state === 'creating' || row.state === 'removing' || row.state === 'dead') throw new ConflictError(`container ${row.name} is ${row.state}`);
}

export function containerChanges(ctx: EngineContext, row: ContainerRow): Change[] {
  present(row);
  return listChanges(diffSource(ctx.images, row.id));
}

/** Writes the container's filesystem (its rootfs, not its volumes) as a tar to out, which is ended. */
export async function exportContainer(ctx: EngineContext, row: ContainerRow, out: Writable): Promise<void> {
  present(row);
  await withLock(ctx.lockPath(row.id), async () => {
    mountRootfs(ctx, row.id);
    await exportTree(rootfsPath(ctx, row.id), out);
  });
  ctx.events.add('container', 'export', row.id, { name: row.name, image: row.image });
}

/** The image the container was made from: by the name it was given while that still names the same manifest, else by that manifest's digest. */
async function baseImage(ctx: EngineContext, row: ContainerRow): Promise<ResolvedImage> {
  const platform = row.config.platform === undefined ? undefined : parsePlatform(row.config.platform);
  for (const name of [row.image, row.imageId]) {
    try {
      const img = await resolveImage(ctx.images, name, platform);
      if (img.manifestDesc.digest === row.imageId) return img;
    } catch (e) {
      if (!(e instanceof ImageNotFoundError)) throw e;
    }
  }
  throw new ConflictError(`the image of container ${row.name} (${row.image}, ${row.imageId}) is no longer in the store: there is nothing to commit its changes onto`);
}

/** Docker's container Config, as far as the container changed its image's: the new image runs as the container ran. */
export function runConfigOf(row: ContainerRow, base: ImageRunConfig | undefined): ImageRunConfig {
  const c = row.config;
  return {
    ...(c.entrypoint && { Entrypoint: c.entrypoint, Cmd: c.cmd ?? [] }),
    ...(!c.entrypoint && c.cmd && { Cmd: c.cmd }),
    ...(c.env?.length && { Env: mergeEnv(base?.Env ?? undefined, c.env) }),
    ...(c.workdir !== undefined && { WorkingDir: c.workdir }),
    ...(c.user !== undefined && { User: c.user }),
    ...(c.labels && { Labels: { ...(base?.Labels ?? {}), ...c.labels } }),
    ...(c.stopSignal !== undefined && { StopSignal: c.stopSignal }),
  };
}

export async function commitContainer(ctx: EngineContext, row: ContainerRow, opts: CommitOptions = {}): Promise<NewImage> {
  present(row);
  const base = await baseImage(ctx, row);
  const freeze = (opts.pause ?? true) && row.state === 'running';
  if (freeze) await pauseContainer(ctx, row.id);
  try {
    const img = await commitImage(ctx.images, {
      base,
      changes: diffSource(ctx.images, row.id),
      config: runConfigOf(row, base.config.config),
      instructions: opts.changes,
      author: opts.author,
      message: opts.message,
      createdBy: readSpec(ctx, row.id)?.process?.args?.join(' '),
      ref: opts.ref,
      unpack: true,
    });
    ctx.events.add('container', 'commit', row.id, { name: row.name, image: img.name });
    return img;
  } finally {
    if (freeze) await unpauseContainer(ctx, row.id);
  }
}
