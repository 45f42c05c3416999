// The directory of compiled seccomp filters: what is kept comes back whole,
// under its exact key only; anything else in the directory is a miss.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { diskFilterStore } from '../../src/runtime/seccomp/disk-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const filter = { program: Buffer.from([0x20, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0xff, 0x7f]), flags: 4, listener: false };

describe('diskFilterStore', () => {
  it('gives back what it kept, across store objects, in a directory only its owner reads', () => {
    const cache = join(dir, 'a');
    diskFilterStore(cache).set('x86_64 {"defaultAction":"SCMP_ACT_ALLOW"}', filter);
    assert.deepEqual(diskFilterStore(cache).get('x86_64 {"defaultAction":"SCMP_ACT_ALLOW"}'), filter);
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    for (const f of readdirSync(cache)) assert.equal(statSync(join(cache, f)).mode & 0o777, 0o600);
  });

  it('misses on another key, and on an entry whose key differs though its file name matches', () => {
    const cache = join(dir, 'b');
    const store = diskFilterStore(cache);
    store.set('k1', filter);
    assert.equal(store.get('k2'), undefined);
    const [file] = readdirSync(cache);
    const entry = readFileSync(join(cache, file));
    // The same length, one byte of the key changed.
    const changed = Buffer.from(entry);
    changed[changed.indexOf(0x0a) + 1] ^= 1;
    writeFileSync(join(cache, file), changed);
    assert.equal(store.get('k1'), undefined);
    writeFileSync(join(cache, file), entry);
    assert.deepEqual(store.get('k1'), filter);
  });

  it('misses on a damaged entry, and a directory it cannot make is no error', () => {
    const cache = join(dir, 'c');
    const store = diskFilterStore(cache);
    store.set('k', filter);
    const [file] = readdirSync(cache);
    const entry = readFileSync(join(cache, file));
    // A program cut short of whole instructions, a header that is not one, an empty file.
    for (const damaged of [entry.subarray(0, entry.length - 3), Buffer.concat([Buffer.from('x'), entry]), Buffer.alloc(0)]) {
      writeFileSync(join(cache, file), damaged);
      assert.equal(store.get('k'), undefined);
    }
    writeFileSync(join(dir, 'file'), '');
    const blocked = diskFilterStore(join(dir, 'file', 'sub'));
    blocked.set('k', filter);
    assert.equal(blocked.get('k'), undefined);
  });
});
