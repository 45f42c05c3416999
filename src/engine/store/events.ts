// The event log (`berth events`): what happened to containers, images and
// volumes, appended as it happens, in Docker's terms (type, action, actor).

import type { Db } from './db.ts';

export interface EngineEvent {
  seq: number;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  type: 'container' | 'image' | 'volume';
  action: string;
  /** The container's ID, the image's name, the volume's name. */
  actor: string;
  attributes: Record<string, string>;
}

interface Raw { seq: number; time_ns: bigint; type: string; action: string; actor: string; attributes: string }

/** Kept: the newest this many, as Docker keeps a bounded event buffer. */
const KEEP = 10_000;

export class EventStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  add(type: EngineEvent['type'], action: string, actor: string, attributes: Record<string, string> = {}): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    const r = this.db.prepare('INSERT INTO events (time_ns, type, action, actor, attributes) VALUES (?, ?, ?, ?, ?)').run(now, type, action, actor, JSON.stringify(attributes));
    if (Number(r.lastInsertRowid) % 1000 === 0) this.db.prepare('DELETE FROM events WHERE seq <= ?').run(Number(r.lastInsertRowid) - KEEP);
  }

  /** Events after seq (0: all kept), oldest first. */
  after(seq: number): EngineEvent[] {
    const stmt = this.db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq');
    stmt.setReadBigInts(true);
    return (stmt.all(seq) as unknown as Raw[]).map((r) => ({
      seq: Number(r.seq), timeNs: BigInt(r.time_ns), type: r.type as EngineEvent['type'], action: r.action, actor: r.actor,
      attributes: JSON.parse(r.attributes) as Record<string, string>,
    }));
  }

  lastSeq(): number {
    const r = this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number };
    return Number(r.s);
  }
}
