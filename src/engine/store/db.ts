// The engine's metadata: one SQLite database (node:sqlite) in WAL mode, so
// readers never wait for a writer and a berth killed at any point leaves the
// last committed state. Every change is one transaction; the schema is
// versioned (PRAGMA user_version) and migrated forward on open.

import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './schema.ts';

export type Db = DatabaseSync;

export function openDb(path: string): Db {
  // A busy writer is waited for rather than failed: concurrent berth commands share the file.
  const db = new DatabaseSync(path, { timeout: 30_000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const version = () => Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (version() >= MIGRATIONS.length) {
    if (version() > MIGRATIONS.length) throw new Error(`the metadata database is of schema ${version()}, newer than this berth knows (${MIGRATIONS.length})`);
    return;
  }
  tx(db, () => {
    // Another berth may have migrated between the check and the lock.
    for (let v = version(); v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
}

/** Runs fn in a write transaction taken at once (BEGIN IMMEDIATE: no upgrade deadlock). */
export function tx<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = fn();
    db.exec('COMMIT');
    return r;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
