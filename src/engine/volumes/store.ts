// Volume rows and which containers use which volume (the `volumes` and
// `container_volumes` tables). A link is made when a container is created on
// a volume and goes with the container's row (ON DELETE CASCADE); a volume
// with links is in use and cannot be removed.

import { type Db, tx } from '../store/db.ts';

export interface VolumeRow {
  name: string;
  driver: string;
  /** The local driver's type, device and o. */
  options: Record<string, string>;
  labels: Record<string, string>;
  createdAt: string;
  anonymous: boolean;
}

interface Raw { name: string; driver: string; options: string; labels: string; created_at: string; anonymous: number }

function fromRaw(r: Raw): VolumeRow {
  return {
    name: r.name, driver: r.driver, options: JSON.parse(r.options) as Record<string, string>, labels: JSON.parse(r.labels) as Record<string, string>,
    createdAt: r.created_at, anonymous: r.anonymous !== 0,
  };
}

export class VolumeStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  get(name: string): VolumeRow | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Raw | undefined;
    return r && fromRaw(r);
  }

  list(): VolumeRow[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as unknown as Raw[]).map(fromRaw);
  }

  /** Inserts the row unless the name exists; true if it was inserted. With container, links it too, in the same transaction. */
  insert(row: VolumeRow, container?: string): boolean {
    return tx(this.db, () => {
      const r = this.db.prepare('INSERT OR IGNORE INTO volumes (name, driver, options, labels, created_at, anonymous) VALUES (?, ?, ?, ?, ?, ?)')
        .run(row.name, row.driver, JSON.stringify(row.options), JSON.stringify(row.labels), row.createdAt, row.anonymous ? 1 : 0);
      if (container) this.db.prepare('INSERT OR IGNORE INTO container_volumes (container_id, volume) VALUES (?, ?)').run(container, row.name);
      return Number(r.changes) === 1;
    });
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }

  /** IDs of the containers created on the volume. */
  users(name: string): string[] {
    return (this.db.prepare('SELECT container_id FROM container_volumes WHERE volume = ? ORDER BY container_id').all(name) as { container_id: string }[]).map((r) => r.container_id);
  }

  /** IDs of the containers on the volume that are running (or about to run again): its mount must stay. */
  liveUsers(name: string, except?: string): string[] {
    return (this.db.prepare(`SELECT c.id FROM container_volumes v JOIN containers c ON c.id = v.container_id
      WHERE v.volume = ? AND c.state IN ('running', 'paused', 'restarting') AND c.id <> ?`).all(name, except ?? '') as { id: string }[]).map((r) => r.id);
  }

  /** The volumes a container was created on. */
  of(container: string): VolumeRow[] {
    return (this.db.prepare('SELECT v.* FROM container_volumes l JOIN volumes v ON v.name = l.volume WHERE l.container_id = ? ORDER BY v.name').all(container) as unknown as Raw[]).map(fromRaw);
  }

  /** Link counts by volume name. */
  linkCounts(): Map<string, number> {
    const rows = this.db.prepare('SELECT volume, COUNT(*) AS n FROM container_volumes GROUP BY volume').all() as { volume: string; n: number }[];
    return new Map(rows.map((r) => [r.volume, Number(r.n)]));
  }
}
