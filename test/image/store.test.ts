// References with Docker's normalisation, the content store's promises
// (verified, atomic, resumable, one write per blob however many writers), and
// snapshot keys that can name nothing but their own directory.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../src/image/digest.ts';
import { DigestMismatchError, InvalidReferenceError, SizeMismatchError, SnapshotError } from '../../src/image/errors.ts';
import { familiarName, formatReference, parseReference } from '../../src/image/reference.ts';
import { CopySnapshotter } from '../../src/image/snapshot/copy.ts';
import { OverlaySnapshotter } from '../../src/image/snapshot/overlay.ts';
import { ContentStore } from '../../src/image/store/content.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('references', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['user/app', 'docker.io/user/app:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['127.0.0.1:5000/a', '127.0.0.1:5000/a:latest'],
    ['reg.example.com/a/b/c:v1.2_x', 'reg.example.com/a/b/c:v1.2_x'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
    [`r.io/x:1@sha256:${'b'.repeat(64)}`, `r.io/x:1@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, want] of cases) it(`normalises ${input}`, () => assert.equal(formatReference(parseReference(input)), want));

  it('gives the familiar form back', () => {
    assert.equal(familiarName(parseReference('docker.io/library/busybox')), 'busybox:latest');
    assert.equal(familiarName(parseReference('localhost:5000/a')), 'localhost:5000/a:latest');
  });

  for (const bad of ['', 'UPPER/case', 'a//b', 'a:b:c', 'x@sha256:short', 'x@md5:abc', `a:${'t'.repeat(129)}`, 'a/-b']) {
    it(`refuses "${bad}"`, () => assert.throws(() => parseReference(bad), InvalidReferenceError));
  }
});

describe('content store', () => {
  const store = new ContentStore(join(tmp, 'cs'));
  const data = Buffer.from('hello blob '.repeat(1000));

  it('stores sha256 and sha512 blobs, verified', async () => {
    await store.put(data);
    const d512 = `sha512:${createHash('sha512').update(data).digest('hex')}`;
    await store.put(data, { digest: d512, size: data.length });
    assert.ok(store.has(digestOf(data)) && store.has(d512));
    assert.deepEqual(await store.read(d512), data);
  });

  it('refuses a digest or size mismatch and keeps nothing', async () => {
    const wrong = digestOf('other');
    await assert.rejects(store.put(data, { digest: wrong, size: data.length }, 'blob X'), (e: Error) => e instanceof DigestMismatchError && /blob X: digest mismatch/.test(e.message));
    await assert.rejects(store.put(data, { digest: digestOf(data), size: data.length + 5 }, 'blob Y'), (e: Error) => e instanceof SizeMismatchError && /truncated/.test(e.message));
    await assert.rejects(store.put(data, { digest: digestOf(data.subarray(1)), size: data.length - 1 }), SizeMismatchError);
    assert.ok(!store.has(wrong));
    assert.deepEqual(readdirSync(join(store.root, 'ingest')), []);
  });

  it('writes a blob once when many writers race, and resumes an interrupted write from its length', async () => {
    const big = Buffer.alloc(3 << 20, 7);
    const digest = digestOf(big);
    let opens = 0;
    const src = async function* (offset: number): AsyncGenerator<Buffer> {
      opens++;
      for (let i = offset; i < big.length; i += 65536) yield big.subarray(i, Math.min(big.length, i + 65536));
    };
    await Promise.all(Array.from({ length: 5 }, () => store.ingest({ digest, size: big.length }, { open: src })));
    assert.equal(opens, 1);
    // A partial from a killed writer (its lock names a dead pid).
    const other = Buffer.alloc(1 << 20, 9);
    const od = digestOf(other);
    const dir = join(store.root, 'ingest', `sha256-${od.slice(7)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'data'), other.subarray(0, 1000));
    writeFileSync(join(dir, 'lock'), '999999999');
    const offsets: number[] = [];
    await store.ingest({ digest: od, size: other.length }, { open: (o) => (offsets.push(o), src2(o)) });
    function src2(o: number): AsyncGenerator<Buffer> {
      return (async function* () {
        yield other.subarray(o);
      })();
    }
    assert.deepEqual(offsets, [1000]);
    assert.ok(store.has(od) && !existsSync(dir));
  });
});

describe('snapshots', () => {
  for (const Kind of [OverlaySnapshotter, CopySnapshotter]) {
    it(`${Kind.name}: a key that is not one plain path component is refused, naming it, and removes nothing`, async () => {
      const base = join(tmp, `keys-${Kind.name}`);
      const snaps = new Kind(join(base, 'snapshots'));
      // snapshots/active/../../canary is the canary.
      const canary = join(base, 'canary');
      mkdirSync(canary);
      writeFileSync(join(canary, 'keep'), 'k');
      const chainId = digestOf(Buffer.from(Kind.name));
      await snaps.commit(chainId, 'an empty layer', undefined, async () => {});
      for (const key of ['../../canary', '..', '.', '', 'a/b', 'a\0b', '/abs', 'x'.repeat(256)]) {
        const refused = (e: Error) => e instanceof SnapshotError && e.message.startsWith(`snapshot ${JSON.stringify(key)}: invalid key`);
        await assert.rejects(snaps.unmount(key, join(base, 'nowhere')), refused);
        await assert.rejects(snaps.mount(key, chainId, join(base, 'rootfs')), refused);
      }
      assert.deepEqual(readdirSync(canary), ['keep']);
      assert.deepEqual(readdirSync(join(base, 'snapshots', 'active')), []);
      const rootfs = join(base, 'rootfs');
      await snaps.mount('c1.ok_+-', chainId, rootfs);
      await snaps.unmount('c1.ok_+-', rootfs);
      assert.deepEqual(readdirSync(join(base, 'snapshots', 'active')), []);
    });
  }

  it('an overlay store and a rootfs given relative to the cwd mount where they say', async () => {
    const base = join(tmp, 'relative');
    mkdirSync(base);
    const cwd = process.cwd();
    process.chdir(base);
    try {
      const snaps = new OverlaySnapshotter('snapshots');
      const chainId = digestOf(Buffer.from('relative'));
      await snaps.commit(chainId, 'a layer', undefined, async (dir) => writeFileSync(join(dir, 'f'), 'layer'));
      await snaps.mount('c1', chainId, 'rootfs');
      // The mount changed directory in a thread of its own: ours stays.
      assert.equal(readlinkSync('/proc/self/cwd'), base);
      try {
        assert.equal(readFileSync(join(base, 'rootfs', 'f'), 'utf8'), 'layer');
      } finally {
        await snaps.unmount('c1', 'rootfs');
      }
      assert.deepEqual(readdirSync(join(base, 'rootfs')), []);
    } finally {
      process.chdir(cwd);
    }
  });
});
