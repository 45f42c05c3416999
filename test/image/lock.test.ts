// The store's lock (src/image/store/lock.ts) between processes: never held by
// two at once, a stale lock file of a dead process notwithstanding.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const tmp = mkdtempSync(join(tmpdir(), 'berth-lock-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const CHILD = join(import.meta.dirname, 'helpers', 'lock-child.ts');

it('many processes contending, with a stale lock file of a dead pid present, never hold the lock at once', async () => {
  const lock = join(tmp, 'images.lock');
  const log = join(tmp, 'log');
  const dead = spawnSync('true').pid!;
  const contenders = 8;
  const rounds = 5;
  const waves = 4;
  for (let wave = 0; wave < waves; wave++) {
    // What a process killed while holding the lock left (the old format: its pid).
    writeFileSync(lock, String(dead));
    rmSync(`${log}.ready`, { force: true });
    rmSync(`${log}.go`, { force: true });
    const children = Array.from({ length: contenders }, () => spawn(process.execPath, [CHILD, lock, log, String(rounds)], { stdio: ['ignore', 'ignore', 'inherit'] }));
    while (!existsSync(`${log}.ready`) || readFileSync(`${log}.ready`, 'utf8').split('\n').length <= contenders) await sleep(5);
    writeFileSync(`${log}.go`, '');
    const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0]));
    assert.deepEqual(codes, Array(contenders).fill(0));
  }
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, waves * contenders * rounds * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const pid = lines[i].split(' ')[1];
    assert.deepEqual([lines[i], lines[i + 1]], [`enter ${pid}`, `leave ${pid}`], `line ${i + 1}: two holders at once`);
  }
  assert.ok(!existsSync(lock), 'the lock file is removed by its last holder');
});
