// Container rows: what the engine knows of each container between commands.

import type { ContainerConfig } from '../config.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type Db, tx } from './db.ts';

/** Docker's statuses, and "creating": a create (or its dead leftovers) holds the name. */
export type ContainerState = 'creating' | 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing' | 'dead';

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: { start: string; end: string; exitCode: number; output: string }[];
}

export interface ContainerRow {
  id: string;
  name: string;
  /** The image as the user named it, and the manifest digest it resolved to. */
  image: string;
  imageId: string;
  config: ContainerConfig;
  state: ContainerState;
  pid: number;
  exitCode?: number;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  restartCount: number;
  /** stop/kill by the user: unless-stopped and always (until the next start) leave it stopped. */
  stoppedByUser: boolean;
  health?: HealthState;
}

interface Raw {
  id: string; name: string; image: string; image_id: string; config: string; state: string; pid: number;
  exit_code: number | null; error: string | null; created_at: string; started_at: string | null; finished_at: string | null;
  restart_count: number; stopped_by_user: number; health: string | null;
}

function fromRaw(r: Raw): ContainerRow {
  return {
    id: r.id, name: r.name, image: r.image, imageId: r.image_id, config: JSON.parse(r.config) as ContainerConfig,
    state: r.state as ContainerState, pid: r.pid,
    ...(r.exit_code !== null && { exitCode: r.exit_code }),
    ...(r.error !== null && { error: r.error }),
    createdAt: r.created_at,
    ...(r.started_at !== null && { startedAt: r.started_at }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
    restartCount: r.restart_count, stoppedByUser: r.stopped_by_user !== 0,
    ...(r.health !== null && { health: JSON.parse(r.health) as HealthState }),
  };
}

export class ContainerStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Claims id and name for a create; a taken name is a conflict. */
  insert(row: Pick<ContainerRow, 'id' | 'name' | 'image' | 'imageId' | 'config' | 'createdAt'>): void {
    tx(this.db, () => {
      const taken = this.db.prepare('SELECT id FROM containers WHERE name = ?').get(row.name) as { id: string } | undefined;
      if (taken) throw new ConflictError(`the container name "/${row.name}" is already in use by container "${taken.id}": remove (or rename) that container to reuse the name`);
      this.db.prepare(`INSERT INTO containers (id, name, image, image_id, config, state, created_at) VALUES (?, ?, ?, ?, ?, 'creating', ?)`)
        .run(row.id, row.name, row.image, row.imageId, JSON.stringify(row.config), row.createdAt);
    });
  }

  get(id: string): ContainerRow | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Raw | undefined;
    return r && fromRaw(r);
  }

  /** By full ID, name, or a unique ID prefix, as Docker looks containers up. */
  find(ref: string): ContainerRow {
    const byId = this.db.prepare('SELECT * FROM containers WHERE id = ? OR name = ?').get(ref, ref.replace(/^\//, '')) as Raw | undefined;
    if (byId) return fromRaw(byId);
    if (/^[0-9a-f]{1,63}$/.test(ref)) {
      const hits = this.db.prepare("SELECT * FROM containers WHERE id LIKE ? || '%' LIMIT 2").all(ref) as unknown as Raw[];
      if (hits.length === 1) return fromRaw(hits[0]);
      if (hits.length > 1) throw new ConflictError(`"${ref}" names more than one container: give more of the ID`);
    }
    throw new NotFoundError('container', ref);
  }

  list(): ContainerRow[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created_at DESC, id').all() as unknown as Raw[]).map(fromRaw);
  }

  update(id: string, fields: Partial<Omit<ContainerRow, 'id' | 'config' | 'createdAt'>>): void {
    const cols: string[] = [];
    const vals: (string | number | null)[] = [];
    const set = (col: string, v: string | number | null) => {
      cols.push(`${col} = ?`);
      vals.push(v);
    };
    if ('name' in fields) set('name', fields.name!);
    if ('state' in fields) set('state', fields.state!);
    if ('pid' in fields) set('pid', fields.pid!);
    if ('exitCode' in fields) set('exit_code', fields.exitCode ?? null);
    if ('error' in fields) set('error', fields.error ?? null);
    if ('startedAt' in fields) set('started_at', fields.startedAt ?? null);
    if ('finishedAt' in fields) set('finished_at', fields.finishedAt ?? null);
    if ('restartCount' in fields) set('restart_count', fields.restartCount!);
    if ('stoppedByUser' in fields) set('stopped_by_user', fields.stoppedByUser ? 1 : 0);
    if ('health' in fields) set('health', fields.health ? JSON.stringify(fields.health) : null);
    if (!cols.length) return;
    this.db.prepare(`UPDATE containers SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }
}
