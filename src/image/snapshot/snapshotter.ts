// Snapshots: one committed, read-only snapshot per layer chain ID, and
// active (writable) ones for containers on top. A committed snapshot appears
// only whole: it is built in tmp/ and renamed into place.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDigest } from '../digest.ts';
import { ImageError, SnapshotError } from '../errors.ts';
import { pidAlive } from '../store/lock.ts';
import { mountSnapshot, unmountSnapshot } from './mount.ts';
import type { WhiteoutMode } from '../unpack.ts';

export interface Mounted {
  /** The container's root filesystem, ready to use. */
  rootfs: string;
}

/**
 * What a caller mounts to get a container's root filesystem, as containerd's
 * snapshotters return it: the snapshotter prepares directories, the caller
 * (the engine, in its own mount namespace and at its own time) mounts.
 */
export interface SnapshotMount {
  type: 'overlay' | 'bind';
  source: string;
  options: string[];
  /** Where relative paths in options resolve from: overlay's lower dirs are
   * named from layers/ to keep the option string under the kernel's page. */
  cwd?: string;
}

/** A key names a directory under active/: container IDs' alphabet, one path component. */
const KEY_PATTERN = /^[\w+.-]{1,255}$/;

/** The directory of the active snapshot key; a key that could name anything else is refused. */
/** Retired active snapshots in tmp/: pid 0, so cleanTmp takes them too. */
const RETIRED = '0-rm-active-';

export function activeDir(root: string, key: string): string {
  if (!KEY_PATTERN.test(key) || key === '.' || key === '..') {
    throw new SnapshotError(JSON.stringify(key), 'invalid key: use 1 to 255 letters, digits and _ + - . (not "." or "..")');
  }
  return join(root, 'active', key);
}

export abstract class Snapshotter {
  /** Creates the directory of a container's writable snapshot; one key, one snapshot. */
  protected claimActive(key: string): string {
    const active = activeDir(this.root, key);
    try {
      mkdirSync(active);
    } catch {
      throw new SnapshotError(key, 'an active snapshot with this key exists');
    }
    return active;
  }

  abstract readonly kind: 'overlay' | 'copy';
  /** overlay unpacks each layer alone (so in parallel); copy needs its parent first. */
  abstract readonly whiteouts: WhiteoutMode;
  readonly root: string;

  constructor(root: string) {
    // Absolute: overlay's mount resolves paths from layers/.
    this.root = resolve(root);
    for (const d of ['layers', 'tmp', 'active']) mkdirSync(join(root, d), { recursive: true });
  }

  protected layerDir(chainId: string): string {
    return join(this.root, 'layers', parseDigest(chainId).encoded);
  }

  has(chainId: string): boolean {
    return existsSync(join(this.layerDir(chainId), 'fs'));
  }

  /** Chain IDs of committed snapshots. */
  list(): string[] {
    return readdirSync(join(this.root, 'layers')).map((e) => `sha256:${e}`);
  }

  /**
   * Builds the snapshot for chainId: fill() writes the layer into the given
   * directory. `what` names the layer (and its image) in errors of the host's.
   */
  async commit(chainId: string, what: string, parent: string | undefined, fill: (dir: string) => Promise<void>): Promise<void> {
    if (this.has(chainId)) return;
    const tmp = join(this.root, 'tmp', `${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    try {
      mkdirSync(tmp);
      const fs = join(tmp, 'fs');
      await this.seed(fs, parent);
      await fill(fs);
      if (parent) writeFileSync(join(tmp, 'parent'), parent);
      if (this.has(chainId)) return; // someone else committed it meanwhile
      try {
        renameSync(tmp, this.layerDir(chainId));
      } catch (e) {
        if (!this.has(chainId)) throw e;
      }
    } catch (e) {
      // A full disk shows up here as often as in the unpacker (mkdir, the parent file, cp -a).
      throw e instanceof ImageError ? e : new SnapshotError(chainId, `${what}: ${(e as Error).message}`, { cause: e });
    } finally {
      if (existsSync(tmp)) removeTree(join(tmp, 'fs'));
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Prepares the directory a layer is unpacked into (empty, or a copy of the parent). */
  protected abstract seed(dir: string, parent: string | undefined): Promise<void>;

  parent(chainId: string): string | undefined {
    try {
      return readFileSync(join(this.layerDir(chainId), 'parent'), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** chainId, its parent, ... down to the base layer. */
  chain(chainId: string): string[] {
    const out: string[] = [];
    for (let c: string | undefined = chainId; c; c = this.parent(c)) {
      if (!this.has(c)) throw new SnapshotError(chainId, `layer snapshot ${c} is missing`);
      out.push(c);
    }
    return out;
  }

  /** Makes the writable snapshot key on top of chainId; the mounts that show it. */
  abstract prepare(key: string, chainId: string): Promise<SnapshotMount[]>;
  /** The mounts of an existing writable snapshot (to mount it again, after a stop). */
  abstract mounts(key: string): SnapshotMount[];
  /** The directory holding what the container changed (overlay's upper dir; the copy's whole tree). */
  abstract changesDir(key: string): string;

  /** Removes a writable snapshot; it must not be mounted. */
  removeActive(key: string): void {
    rmSync(activeDir(this.root, key), { recursive: true, force: true });
  }

  /** removeActive at the cost of a rename: the files go at the next sweepRetired (or cleanTmp). */
  retireActive(key: string): void {
    try {
      renameSync(activeDir(this.root, key), join(this.root, 'tmp', `${RETIRED}${key}`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** Deletes retired snapshots; one another process is deleting at the same time is left to it. */
  sweepRetired(): void {
    for (const name of readdirSync(join(this.root, 'tmp'))) {
      if (!name.startsWith(RETIRED)) continue;
      try {
        rmSync(join(this.root, 'tmp', name), { recursive: true, force: true });
      } catch {
        // Being deleted by the other sweep.
      }
    }
  }

  /** prepare, then mount at target: for callers that mount where they are. */
  async mount(key: string, chainId: string, target: string): Promise<Mounted> {
    const mounts = await this.prepare(key, chainId);
    try {
      mountSnapshot(mounts, target);
      return { rootfs: resolve(target) };
    } catch (e) {
      this.removeActive(key);
      throw new SnapshotError(key, (e as Error).message, { cause: e });
    }
  }

  async unmount(key: string, target: string): Promise<void> {
    const active = activeDir(this.root, key);
    try {
      unmountSnapshot(target);
    } catch (e) {
      throw new SnapshotError(key, (e as Error).message, { cause: e });
    }
    rmSync(active, { recursive: true, force: true });
  }

  /** Active snapshots, with the chain each is built on (their layers must be kept). */
  active(): { key: string; parent: string }[] {
    const out: { key: string; parent: string }[] = [];
    for (const key of readdirSync(join(this.root, 'active'))) {
      try {
        out.push({ key, parent: readFileSync(join(this.root, 'active', key, 'parent'), 'utf8') });
      } catch {
        // half-created: its creator still holds it or died; prune handles it
      }
    }
    return out;
  }

  remove(chainId: string): void {
    const dir = this.layerDir(chainId);
    if (!existsSync(dir)) return;
    // Renamed away first so no reader ever sees it half-removed.
    const doomed = join(this.root, 'tmp', `0-rm-${parseDigest(chainId).encoded}`);
    renameSync(dir, doomed);
    removeTree(doomed);
  }

  /** Leftovers of builds whose process died. */
  cleanTmp(): void {
    for (const name of readdirSync(join(this.root, 'tmp'))) {
      const pid = Number(name.split('-')[0]);
      if (!pidAlive(pid)) removeTree(join(this.root, 'tmp', name));
    }
  }
}

/** Removes an unpacked tree and its whiteout template, whatever state it is in. */
function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
  rmSync(`${path}.whiteout`, { force: true });
}
