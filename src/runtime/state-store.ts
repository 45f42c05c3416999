// Container state under --root: one directory per container holding
// state.json (written atomically by rename) and, while the container is
// created but not started, the start socket. Claiming an id is mkdir, so two
// creates of one id cannot both win; delete renames the directory away first,
// so two deletes cannot both act. No lock files are needed.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../oci/errors.ts';
import type { Spec, Status } from '../oci/spec.ts';
import { isFrozen } from './cgroups/freezer.ts';
import type { CgroupPlacement } from './cgroups/manager.ts';
import { defaultStateRoot } from './rootless.ts';

export const START_SOCKET = 'exec.sock';

export interface ContainerRecord {
  id: string;
  bundle: string;
  rootfs: string;
  pid: number;
  /** Start time of pid (field 22 of /proc/pid/stat), so a reused pid is not mistaken for the container. */
  pidStartTime: string;
  created: string;
  creating?: boolean;
  spec: Spec;
  cgroups: CgroupPlacement;
  noPivot?: boolean;
}

const ID_PATTERN = /^[\w+.-]+$/;

export function validateId(id: string): void {
  if (!id) throw new UsageError('container id cannot be empty');
  if (!ID_PATTERN.test(id) || id === '.' || id === '..' || id.length > 1024)
    throw new UsageError(`invalid container id "${id}": use letters, digits and _ + - . only`);
}

export class StateStore {
  readonly root: string;
  /** The root was there at the last claim: a container start skips the mkdir -p. */
  private rootMade = false;
  constructor(root = defaultStateRoot()) {
    this.root = root;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  /** Claims the id atomically; throws ConflictError when it is taken. */
  claim(id: string): string {
    validateId(id);
    if (!this.rootMade) mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new ConflictError(`container "${id}" already exists`);
      // The root went away since (someone removed an empty /run/runts): make it again.
      if (code === 'ENOENT' && this.rootMade) {
        this.rootMade = false;
        return this.claim(id);
      }
      throw e;
    }
    this.rootMade = true;
    return dir;
  }

  write(rec: ContainerRecord): void {
    const dir = this.dir(rec.id);
    const tmp = join(dir, `.state.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, join(dir, 'state.json'));
  }

  read(id: string): ContainerRecord {
    validateId(id);
    try {
      return JSON.parse(readFileSync(join(this.dir(id), 'state.json'), 'utf8')) as ContainerRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`container "${id}" does not exist`);
      throw e;
    }
  }

  ids(): string[] {
    try {
      // .deleted-* are directories being removed; a claimed id without state.json yet is skipped by read().
      return readdirSync(this.root).filter((n) => ID_PATTERN.test(n) && !n.startsWith('.deleted-'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** True while the container waits for start. */
  awaitingStart(id: string): boolean {
    return existsSync(join(this.dir(id), START_SOCKET));
  }

  /** Moves the directory out of the namespace of ids, then removes it. */
  remove(id: string): void {
    const dir = this.dir(id);
    const grave = join(this.root, `.deleted-${id}-${process.pid}`);
    try {
      renameSync(dir, grave);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`container "${id}" does not exist`);
      throw e;
    }
    // The directory holds state.json, and the start socket until start: a
    // readdir only when removing state.json did not empty it.
    try {
      unlinkSync(join(grave, 'state.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      rmdirSync(grave);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw e;
      for (const name of readdirSync(grave)) unlinkSync(join(grave, name));
      rmdirSync(grave);
    }
  }
}

/** Reads the status of a pid from /proc: undefined when gone (or a zombie, or a reused pid). */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function statusOf(store: StateStore, rec: ContainerRecord): Status {
  if (rec.creating) return procStartTime(rec.pid) === rec.pidStartTime ? 'creating' : 'stopped';
  if (!rec.pid || procStartTime(rec.pid) !== rec.pidStartTime) return 'stopped';
  if (store.awaitingStart(rec.id)) return 'created';
  return isFrozen(rec.cgroups) ? 'paused' : 'running';
}
