// The metadata store on a real SQLite file: schema versions, name claims,
// lookups by ID, prefix and name, transactions that leave the old or the new.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openDb, tx } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/schema.ts';
import { ContainerStore } from '../../src/engine/store/containers.ts';
import { EventStore } from '../../src/engine/store/events.ts';
import { ConflictError, NotFoundError } from '../../src/engine/errors.ts';

function withDb(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-db-'));
  try {
    fn(join(dir, 'berth.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (id: string, name: string) => ({ id, name, image: 'busybox', imageId: 'sha256:00', config: { image: 'busybox' }, createdAt: new Date().toISOString() });

describe('the metadata store', () => {
  it('migrates a new database to the current version, in WAL mode, and reopens it as is', () => {
    withDb((path) => {
      const db = openDb(path);
      assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length);
      assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
      new ContainerStore(db).insert(row('a'.repeat(64), 'one'));
      db.close();
      const again = openDb(path);
      assert.equal(new ContainerStore(again).list().length, 1);
      again.close();
    });
  });

  it('refuses a database newer than it knows, naming both versions', () => {
    withDb((path) => {
      openDb(path).close();
      const raw = new DatabaseSync(path);
      raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
      raw.close();
      assert.throws(() => openDb(path), new RegExp(`schema ${MIGRATIONS.length + 1}, newer than this berth knows \\(${MIGRATIONS.length}\\)`));
    });
  });

  it('claims a name once; finds by ID, unique prefix and name; an ambiguous prefix is a conflict', () => {
    withDb((path) => {
      const db = openDb(path);
      const s = new ContainerStore(db);
      s.insert(row(`ab${'0'.repeat(62)}`, 'first'));
      s.insert(row(`ac${'0'.repeat(62)}`, 'second'));
      assert.throws(() => s.insert(row(`ad${'0'.repeat(62)}`, 'first')), ConflictError);
      assert.equal(s.find('first').id, `ab${'0'.repeat(62)}`);
      assert.equal(s.find('/second').name, 'second');
      assert.equal(s.find('ac').name, 'second');
      assert.throws(() => s.find('a'), ConflictError);
      assert.throws(() => s.find('zz'), NotFoundError);
      s.update(`ab${'0'.repeat(62)}`, { state: 'exited', exitCode: 3, health: { status: 'healthy', failingStreak: 0, log: [] } });
      const got = s.get(`ab${'0'.repeat(62)}`)!;
      assert.equal(got.state, 'exited');
      assert.equal(got.exitCode, 3);
      assert.equal(got.health?.status, 'healthy');
      db.close();
    });
  });

  it('a transaction that throws leaves the old state', () => {
    withDb((path) => {
      const db = openDb(path);
      const s = new ContainerStore(db);
      assert.throws(() => tx(db, () => {
        db.prepare("INSERT INTO containers (id, name, image, image_id, config, state, created_at) VALUES ('x', 'x', 'i', 'd', '{}', 'created', 'now')").run();
        throw new Error('midway');
      }), /midway/);
      assert.deepEqual(s.list(), []);
      db.close();
    });
  });

  it('events come back in order after a sequence number', () => {
    withDb((path) => {
      const db = openDb(path);
      const ev = new EventStore(db);
      ev.add('container', 'create', 'c1', { name: 'n' });
      const mark = ev.lastSeq();
      ev.add('container', 'start', 'c1');
      ev.add('volume', 'create', 'v');
      assert.deepEqual(ev.after(mark).map((e) => `${e.type}/${e.action}/${e.actor}`), ['container/start/c1', 'volume/create/v']);
      assert.deepEqual(ev.after(0)[0].attributes, { name: 'n' });
      assert.ok(ev.after(0)[1].timeNs >= ev.after(0)[0].timeNs);
      db.close();
    });
  });
});
