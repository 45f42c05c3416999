// The pure parts of volumes: names, the local driver's options as mount(2)
// arguments, the scoped path resolution copy-up reads through, and the CLI's
// sizes and prune reports.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { humanSize } from '../../src/cli/berth/format.ts';
import { pruneReport } from '../../src/cli/berth/confirm.ts';
import { InvalidArgumentError } from '../../src/engine/errors.ts';
import { resolveInRoot } from '../../src/image/rootfs-read.ts';
import { checkVolumeName } from '../../src/engine/volumes/names.ts';
import { randomId } from '../../src/engine/random-id.ts';
import { checkOptions, MS, planMount } from '../../src/engine/volumes/options.ts';

const field = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidArgumentError, String(e));
    return e.field;
  }
  assert.fail('no error');
};

describe('volume names', () => {
  it('takes Docker\'s pattern and nothing that leaves one path component', () => {
    for (const n of ['ab', 'my_vol.1', 'A-b', '0'.repeat(64)]) assert.equal(checkVolumeName(n), n);
    for (const n of ['a', '', '.hidden', '-x', '_x', 'a/b', '..', 'a b', 'a:b', 'a\0b', 'x'.repeat(256)]) assert.equal(field(() => checkVolumeName(n)), 'name');
    assert.equal(field(() => checkVolumeName('/x', 'mounts[0].source')), 'mounts[0].source');
    assert.match(randomId(), /^[0-9a-f]{64}$/);
  });
});

describe('local driver options', () => {
  it('refuses unknown options, other drivers and missing companions, naming each', () => {
    assert.equal(field(() => checkOptions('nfs', {})), 'driver');
    assert.equal(field(() => checkOptions('local', { foo: 'x' })), 'options.foo');
    assert.equal(field(() => checkOptions('local', { size: '1g' })), 'options.size');
    assert.equal(field(() => checkOptions('local', { type: 'tmpfs' })), 'options.device');
    assert.equal(field(() => checkOptions('local', { device: 'tmpfs' })), 'options.type');
    assert.equal(field(() => checkOptions('local', { o: 'size=1m', type: 'tmpfs' })), 'options.device');
    assert.equal(field(() => checkOptions('local', { type: 'tmp fs', device: 'x' })), 'options.type');
    assert.equal(field(() => checkOptions('local', { type: 'tmpfs', device: 'x\0y' })), 'options.device');
    assert.equal(field(() => checkOptions('local', { type: 'tmpfs', device: 'tmpfs', o: 'remount' })), 'options.o');
    assert.deepEqual(checkOptions('local', {}), {});
  });

  it('splits o into mount(2) flags and the filesystem\'s data, as mount(8)', () => {
    assert.deepEqual(planMount({ type: 'tmpfs', device: 'tmpfs', o: 'size=10m,nosuid,noexec,uid=1000' }), {
      source: 'tmpfs', fstype: 'tmpfs', flags: MS.NOSUID | MS.NOEXEC, propagation: 0, data: 'size=10m,uid=1000', remountReadOnly: false,
    });
    assert.equal(planMount({ type: 'ext4', device: '/dev/null', o: 'ro,rw' }).flags, 0);
    assert.equal(planMount({ type: 'ext4', device: '/dev/null', o: 'ro,noatime' }).flags, MS.RDONLY | MS.NOATIME);
  });

  it('binds a host directory that exists; a read-only bind is remounted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-opt-'));
    try {
      const p = planMount({ type: 'none', device: dir, o: 'bind,ro,rshared' });
      assert.equal(p.flags, MS.BIND | MS.RDONLY);
      assert.equal(p.propagation, MS.SHARED | MS.REC);
      assert.ok(p.remountReadOnly);
      assert.equal(planMount({ type: 'none', device: dir, o: 'rbind' }).flags, MS.BIND | MS.REC);
      assert.equal(field(() => planMount({ type: 'none', device: 'rel/dir', o: 'bind' })), 'options.device');
      assert.equal(field(() => planMount({ type: 'none', device: join(dir, 'missing'), o: 'bind' })), 'options.device');
      writeFileSync(join(dir, 'f'), '');
      assert.equal(field(() => planMount({ type: 'none', device: join(dir, 'f'), o: 'bind' })), 'options.device');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('resolveInRoot', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-root-'));
  after(() => rmSync(root, { recursive: true }));
  mkdirSync(join(root, 'var/lib/data'), { recursive: true });
  symlinkSync('/var/lib/data', join(root, 'abs'));
  symlinkSync('../../../../..', join(root, 'var/lib/data/up'));
  symlinkSync('/etc', join(root, 'etc-link'));
  writeFileSync(join(root, 'file'), '');

  it('follows symlinks as the container would, never out of the root', () => {
    assert.equal(resolveInRoot(root, '/var/lib/data'), join(root, 'var/lib/data'));
    assert.equal(resolveInRoot(root, '/abs'), join(root, 'var/lib/data'));
    assert.equal(resolveInRoot(root, '/abs/up/var'), join(root, 'var'));
    assert.equal(resolveInRoot(root, '/../../var/lib'), join(root, 'var/lib'));
    // /etc does not exist in this root: the host's is never what it names.
    assert.equal(resolveInRoot(root, '/etc-link'), undefined);
    assert.equal(resolveInRoot(root, '/file/below'), undefined);
    assert.equal(resolveInRoot(root, '/missing'), undefined);
  });

  it('gives up on a symlink loop', () => {
    symlinkSync('loop', join(root, 'loop'));
    assert.equal(resolveInRoot(root, '/loop'), undefined);
  });
});

describe('CLI reports', () => {
  it('sizes as Docker\'s HumanSize', () => {
    assert.deepEqual([0, 512, 999, 1000, 3000, 1234567, 16.43e9].map(humanSize), ['0B', '512B', '999B', '1kB', '3kB', '1.235MB', '16.43GB']);
  });

  it('prune reports: sections that removed something, then the total', () => {
    assert.equal(pruneReport([['Deleted Volumes', []]], 0), 'Total reclaimed space: 0B\n');
    assert.equal(pruneReport([['Deleted Containers', ['a', 'b']], ['Deleted Volumes', []], ['Deleted Images', ['untagged: x']]], 2500),
      'Deleted Containers:\na\nb\n\nDeleted Images:\nuntagged: x\n\nTotal reclaimed space: 2.5kB\n');
  });
});
