// Volume operations, each under the volume's own lock (<root>/locks/
// volume-<name>): a volume's row, its directory, its mount and its copy-up
// change together. Lock order: a container's lock, then volume locks in name
// order; never the other way round.

import { join } from 'node:path';
import { withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.ts';
import { copyUp } from './copy-up.ts';
import { dataPath, dataSize, makeDirs, mountPointsUnder, mountVolume, removeDirs, unmountVolume, volumesDir } from './local.ts';
import { checkVolumeName } from './names.ts';
import { randomId } from '../random-id.ts';
import { checkOptions } from './options.ts';
import { type VolumeRow, VolumeStore } from './store.ts';

/** Docker's label on anonymous volumes (what `volume prune` without --all removes). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeCreateOptions {
  /** Absent: a random name, and the volume is anonymous. */
  name?: string;
  /** Only "local". */
  driver?: string;
  /** The local driver's type, device and o. */
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

export function volumeStore(ctx: EngineContext): VolumeStore {
  return new VolumeStore(ctx.db);
}

function lockPath(ctx: EngineContext, name: string): string {
  return join(ctx.root, 'locks', `volume-${name}`);
}

/** Runs fn holding the locks of names, taken in name order. */
async function withVolumeLocks<T>(ctx: EngineContext, names: string[], fn: () => Promise<T> | T): Promise<T> {
  const sorted = [...new Set(names)].sort();
  const take = (i: number): Promise<T> => (i === sorted.length ? Promise.resolve(fn()) : withLock(lockPath(ctx, sorted[i]), () => take(i + 1)));
  return take(0);
}

function checkLabels(labels: Record<string, string> | undefined): Record<string, string> {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!k || typeof v !== 'string') throw new InvalidArgumentError('labels', `"${k}=${String(v)}" is not KEY=VALUE`);
  }
  return { ...labels };
}

function newRow(name: string, anonymous: boolean, opts: VolumeCreateOptions = {}): VolumeRow {
  return {
    name, driver: opts.driver ?? 'local', options: opts.options ?? {}, createdAt: new Date().toISOString(), anonymous,
    labels: { ...(anonymous && { [ANONYMOUS_LABEL]: '' }), ...opts.labels },
  };
}

/** Inserts the row (and the link), then makes the directory; the row goes again if that fails. True if made. */
function make(ctx: EngineContext, row: VolumeRow, container?: string): boolean {
  const store = volumeStore(ctx);
  const made = store.insert(row, container);
  try {
    makeDirs(ctx, row.name);
  } catch (e) {
    if (made) store.delete(row.name);
    throw e;
  }
  if (made) ctx.events.add('volume', 'create', row.name, { driver: row.driver });
  return made;
}

/** docker volume create: an existing name is returned as it is, as Docker's. */
export async function createVolume(ctx: EngineContext, opts: VolumeCreateOptions = {}): Promise<VolumeRow> {
  const name = opts.name !== undefined ? checkVolumeName(opts.name) : randomId();
  const options = checkOptions(opts.driver ?? 'local', { ...opts.options });
  const labels = checkLabels(opts.labels);
  return withVolumeLocks(ctx, [name], () => {
    const existing = volumeStore(ctx).get(name);
    if (existing) return existing;
    const row = newRow(name, opts.name === undefined, { driver: 'local', options, labels });
    make(ctx, row);
    return row;
  });
}

export function getVolume(ctx: EngineContext, name: string): VolumeRow {
  const row = volumeStore(ctx).get(name);
  if (!row) throw new NotFoundError('volume', name);
  return row;
}

/** docker volume inspect's object. */
export function inspectVolume(ctx: EngineContext, v: VolumeRow): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt.replace(/\.\d+Z$/, 'Z'),
    Driver: v.driver,
    Labels: Object.keys(v.labels).length ? v.labels : null,
    Mountpoint: dataPath(ctx, v.name),
    Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null,
    Scope: 'local',
  };
}

/** docker volume rm: refused while any container (running or not) was created on it. */
export async function removeVolume(ctx: EngineContext, name: string, opts: { force?: boolean } = {}): Promise<void> {
  await withVolumeLocks(ctx, [name], () => {
    const store = volumeStore(ctx);
    if (!store.get(name)) {
      if (opts.force) return;
      throw new NotFoundError('volume', name);
    }
    const users = store.users(name);
    if (users.length) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(' ')}]`);
    // The directory first: a berth killed between the two leaves a row whose directory is made again on use, never a directory without a row.
    removeDirs(ctx, name);
    store.delete(name);
    ctx.events.add('volume', 'destroy', name);
  });
}

/** docker volume prune: unused anonymous volumes, or with all every unused volume. */
export async function pruneVolumes(ctx: EngineContext, opts: { all?: boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
  const store = volumeStore(ctx);
  const links = store.linkCounts();
  const out = { removed: [] as string[], bytes: 0 };
  for (const v of store.list()) {
    if (links.get(v.name) || (!opts.all && !v.anonymous)) continue;
    const size = Object.keys(v.options).length ? 0 : dataSize(ctx, v.name);
    try {
      await removeVolume(ctx, v.name);
    } catch (e) {
      // Taken by a container since the list was read, or removed meanwhile: not this prune's.
      if (e instanceof ConflictError || e instanceof NotFoundError) continue;
      throw e;
    }
    out.removed.push(v.name);
    out.bytes += size;
  }
  return out;
}

export interface VolumeUse {
  /** Absent: a new anonymous volume. */
  name?: string;
  /** Where the image's content comes from (the mount point in the container). */
  target: string;
  noCopy?: boolean;
}

/**
 * A container's volume at create: found or made (a named volume on first
 * use), linked to the container, filled from the image when it is empty.
 * Names made here are pushed to made, so a failed create can remove them.
 * Returns the host path to bind.
 */
export async function attachVolume(ctx: EngineContext, container: string, rootfs: string, use: VolumeUse, made: string[]): Promise<string> {
  const name = use.name ?? randomId();
  return withVolumeLocks(ctx, [name], () => {
    const row = volumeStore(ctx).get(name) ?? newRow(name, use.name === undefined);
    if (make(ctx, row, container)) made.push(name);
    if (!use.noCopy) {
      mountVolume(ctx, row);
      try {
        copyUp(rootfs, use.target, dataPath(ctx, name));
      } finally {
        if (Object.keys(row.options).length && !volumeStore(ctx).liveUsers(name, container).length) unmountVolume(ctx, name);
      }
    }
    return dataPath(ctx, name);
  });
}

/** Runs fn (the runtime's create and start) with the container's volumes mounted and their locks held; a failure unmounts what nothing else uses. */
export async function withVolumesMounted<T>(ctx: EngineContext, container: string, fn: () => Promise<T>): Promise<T> {
  const vols = volumeStore(ctx).of(container);
  return withVolumeLocks(ctx, vols.map((v) => v.name), async () => {
    try {
      for (const v of vols) {
        mountVolume(ctx, v);
        if (Object.keys(v.options).length) ctx.events.add('volume', 'mount', v.name, { container });
      }
      return await fn();
    } catch (e) {
      releaseLocked(ctx, container, vols);
      throw e;
    }
  });
}

function releaseLocked(ctx: EngineContext, container: string, vols: VolumeRow[]): void {
  const store = volumeStore(ctx);
  for (const v of vols) {
    if (!Object.keys(v.options).length || store.liveUsers(v.name, container).length) continue;
    unmountVolume(ctx, v.name);
    ctx.events.add('volume', 'unmount', v.name, { container });
  }
}

/** After the container stopped: unmounts its volumes' filesystems that no other running container uses. */
export async function releaseVolumes(ctx: EngineContext, container: string, vols = volumeStore(ctx).of(container)): Promise<void> {
  const mounted = vols.filter((v) => Object.keys(v.options).length);
  if (!mounted.length) return;
  await withVolumeLocks(ctx, mounted.map((v) => v.name), () => releaseLocked(ctx, container, mounted));
}

/**
 * Unmounts option volumes left mounted with no running container on them
 * (a berth killed between a mount and its container's start): part of
 * reconciliation, so cheap when there is nothing to do.
 */
export async function releaseOrphanMounts(ctx: EngineContext): Promise<void> {
  const withOptions = volumeStore(ctx).list().filter((v) => Object.keys(v.options).length);
  if (!withOptions.length) return;
  const mounted = new Set(mountPointsUnder(volumesDir(ctx)));
  for (const v of withOptions) {
    if (!mounted.has(dataPath(ctx, v.name))) continue;
    await withVolumeLocks(ctx, [v.name], () => {
      if (!volumeStore(ctx).liveUsers(v.name).length) unmountVolume(ctx, v.name);
    });
  }
}

/** Removes the named volumes nobody uses any more (a container's anonymous ones after rm -v); one in use is left. */
export async function removeUnused(ctx: EngineContext, names: string[]): Promise<void> {
  for (const n of names) {
    try {
      await removeVolume(ctx, n);
    } catch (e) {
      if (!(e instanceof ConflictError || e instanceof NotFoundError)) throw e;
    }
  }
}
