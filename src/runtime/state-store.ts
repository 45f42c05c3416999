// Container state under --root: one directory per container holding
// state.json (written atomically by rename) and, while the container is
// created but not started, the start socket. Claiming an id renames a
// directory already holding the first state.json into place, so two creates
// of one id cannot both win and an id never exists without its record; delete
// renames the directory away first, so two deletes cannot both act. No lock
// files are needed.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../oci/errors.ts';
import { writeAtomic } from './atomic.ts';
import type { Spec, Status } from '../oci/spec.ts';
import { isFrozen } from './cgroups/freezer.ts';
import type { CgroupPlacement } from './cgroups/manager.ts';
import type { RdtPlacement } from './cgroups/intelrdt.ts';
import type { MonitorRecord } from './monitor.ts';
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
  /** The process creating the container, while creating: until the init's pid is known, the container is "creating" only while it lives. */
  creator?: { pid: number; startTime: string };
  spec: Spec;
  cgroups: CgroupPlacement;
  noPivot?: boolean;
  /** Created with --no-new-keyring: its execs keep their own session keyring too. */
  noNewKeyring?: boolean;
  /** The resctrl group of linux.intelRdt: recorded before it is made, as the cgroups are. */
  rdt?: RdtPlacement;
  /** The container's monitor (monitor.ts), when it has one. */
  monitor?: MonitorRecord;
}

const ID_PATTERN = /^[\w+.-]+$/;
const CLAIM_PREFIX = '.claim-';
const GRAVE_PREFIX = '.deleted-';

export function validateId(id: string): void {
  if (!id) throw new UsageError('container id cannot be empty');
  if (!ID_PATTERN.test(id) || id === '.' || id === '..' || id.length > 1024)
    throw new UsageError(`invalid container id "${id}": use letters, digits and _ + - . only`);
  // The names of claims being written and of directories being removed.
  if (id.startsWith(CLAIM_PREFIX) || id.startsWith(GRAVE_PREFIX)) throw new UsageError(`invalid container id "${id}": names starting with ${CLAIM_PREFIX} and ${GRAVE_PREFIX} are runts's own`);
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

  /** Claims the id with its first record: the directory is made and written
   * under a private name, then renamed to the id, which fails when the id is
   * taken (rename replaces only an empty directory: a claim whose writer died
   * before it wrote anything). Throws ConflictError when it is taken. */
  claim(rec: ContainerRecord): string {
    validateId(rec.id);
    if (!this.rootMade) mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(rec.id);
    const pending = join(this.root, privateName(CLAIM_PREFIX));
    try {
      mkdirSync(pending, { mode: 0o700 });
    } catch (e) {
      // The root went away since (someone removed an empty /run/runts): make it again.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && this.rootMade) {
        this.rootMade = false;
        return this.claim(rec);
      }
      throw e;
    }
    try {
      writeAtomic(join(pending, 'state.json'), JSON.stringify(rec));
      renameSync(pending, dir);
    } catch (e) {
      removeDir(pending);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw new ConflictError(`container "${rec.id}" already exists`);
      throw e;
    }
    this.rootMade = true;
    return dir;
  }

  write(rec: ContainerRecord): void {
    writeAtomic(join(this.dir(rec.id), 'state.json'), JSON.stringify(rec));
  }

  /** The container's record. A directory without one is a claim whose writer
   * died (or an older runts's): removed when empty, and reported as not found. */
  read(id: string): ContainerRecord {
    validateId(id);
    const rec = readRecord(this.dir(id));
    if (rec) return rec;
    try {
      rmdirSync(this.dir(id));
    } catch {
      // Gone already, or not empty: not ours to judge here.
    }
    throw new NotFoundError(`container "${id}" does not exist`);
  }

  ids(): string[] {
    try {
      // Claims being written and directories being removed are not containers.
      return readdirSync(this.root).filter((n) => ID_PATTERN.test(n) && !n.startsWith(GRAVE_PREFIX) && !n.startsWith(CLAIM_PREFIX));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** True while the container waits for start. */
  awaitingStart(id: string): boolean {
    return existsSync(join(this.dir(id), START_SOCKET));
  }

  /** Takes the container's directory out of the namespace of ids (the
   * claim of a delete: only one can win); returns where it went. Throws
   * NotFoundError when it is not there (another delete won). */
  bury(id: string): string {
    const grave = join(this.root, privateName(GRAVE_PREFIX));
    try {
      renameSync(this.dir(id), grave);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`container "${id}" does not exist`);
      throw e;
    }
    return grave;
  }

  /** Puts a buried directory back under its id (a delete that found it may not act). */
  unbury(grave: string, id: string): void {
    renameSync(grave, this.dir(id));
  }
}

/** A name beside the ids that no other claim or delete uses (not made of the id: an id may be as long as a name can be). */
function privateName(prefix: string): string {
  return `${prefix}${process.pid}-${Math.random().toString(36).slice(2)}`;
}

/** The record in a container directory (its own or a buried one); undefined when it has none. */
export function readRecord(dir: string): ContainerRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ContainerRecord;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Removes a state directory: state.json, and the start socket until start
 * (a readdir only when removing state.json did not empty it). */
export function removeDir(dir: string): void {
  try {
    unlinkSync(join(dir, 'state.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    rmdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY') throw e;
    for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
    rmdirSync(dir);
  }
}

/** Reads the start time of a pid from /proc: undefined when gone (or a zombie). */
export function procStartTime(pid: number): string | undefined {
  return startTimeIn(`/proc/${pid}`);
}

/** The start time of the process whose /proc directory is dir (also /proc/self/fd/N of one held open). */
export function startTimeIn(dir: string): string | undefined {
  try {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

let self: { pid: number; startTime: string } | undefined;

/** This process, as a record names its creator. */
export function thisProcess(): { pid: number; startTime: string } {
  self ??= { pid: process.pid, startTime: procStartTime(process.pid) ?? '' };
  return self;
}

/** Whether pid is still the process that started at startTime (a number is reused once its process is gone). */
export function processAlive(pid: number, startTime: string): boolean {
  return pid !== 0 && procStartTime(pid) === startTime;
}

export function statusOf(store: StateStore, rec: ContainerRecord): Status {
  const initAlive = processAlive(rec.pid, rec.pidStartTime);
  if (rec.creating) return initAlive || (rec.creator && processAlive(rec.creator.pid, rec.creator.startTime)) ? 'creating' : 'stopped';
  if (!initAlive) return 'stopped';
  if (store.awaitingStart(rec.id)) return 'created';
  return isFrozen(rec.cgroups) ? 'paused' : 'running';
}
