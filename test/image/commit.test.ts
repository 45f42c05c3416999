// Commit and diff of a real container filesystem: a real overlay mount (and
// the copy snapshotter's copy) changed by adding, changing and removing
// files, replacing a directory (an opaque one in overlay), hard links and
// xattrs; the list docker diff would print; the committed image's layers
// unpacked again by the unpacker and its tree checked; export of a tree to a
// tar and back through import.

import assert from 'node:assert/strict';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitImage } from '../../src/image/commit.ts';
import { diffSource, formatChanges, listChanges } from '../../src/image/diff.ts';
import { exportTree } from '../../src/image/export.ts';
import { imageHistory } from '../../src/image/history.ts';
import { importImage } from '../../src/image/import.ts';
import { ensureLayers } from '../../src/image/layers.ts';
import { resolveImage } from '../../src/image/resolve.ts';
import { ImageService } from '../../src/image/service.ts';
import { readTar } from '../../src/image/tar/reader.ts';
import { hostCalls } from '../../src/native/host.ts';
import { buildImage, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, dir, file } from './helpers/layers.ts';
import { snapshotTree, storeBuilt } from './helpers/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-commit-'));
const mounted: { svc: ImageService; key: string; target: string }[] = [];
let base: BuiltImage;

before(async () => {
  base = await buildImage([
    [...busyboxRootfs(), dir('data'), file('data/a', 'old a'), file('data/b', 'b'), dir('data/sub'), file('data/sub/x', 'x'),
      dir('opq'), file('opq/o1', '1'), file('opq/o2', '2'), file('keep', 'keep', 0o644)],
    [file('etc/motd', 'motd')],
  ], { history: [{ created: '2024-01-01T00:00:00Z', created_by: 'layer one' }, { created: '2024-01-02T00:00:00Z', created_by: 'layer two' }] });
});

after(async () => {
  for (const m of mounted.reverse()) await m.svc.snapshots.unmount(m.key, m.target);
  rmSync(tmp, { recursive: true, force: true });
});

async function mount(svc: ImageService, key: string, name: string): Promise<string> {
  const img = await resolveImage(svc, name);
  const lease = svc.leases.create();
  try {
    await ensureLayers(svc, img.manifest.layers, img.config.rootfs.diff_ids, { image: name, lease, unpack: true });
  } finally {
    lease.release();
  }
  const target = join(tmp, `${svc.snapshots.kind}-${key}-rootfs`);
  await svc.snapshots.mount(key, img.chainId!, target);
  mounted.push({ svc, key, target });
  return target;
}

/** What a container does to its filesystem. */
function change(root: string): void {
  writeFileSync(join(root, 'data/a'), 'new content of a');
  rmSync(join(root, 'data/b'));
  writeFileSync(join(root, 'data/new'), 'new');
  hostCalls().setxattr(join(root, 'data/new'), 'user.berth', Buffer.from('v'));
  linkSync(join(root, 'data/new'), join(root, 'data/new-link'));
  rmSync(join(root, 'data/sub'), { recursive: true });
  chmodSync(join(root, 'keep'), 0o600);
  symlinkSync('/etc/motd', join(root, 'lnk'));
  mkdirSync(join(root, 'newdir/deep'), { recursive: true });
  writeFileSync(join(root, 'newdir/deep/file'), 'deep');
  rmSync(join(root, 'opq'), { recursive: true });
  mkdirSync(join(root, 'opq'));
  writeFileSync(join(root, 'opq/o3'), '3');
}

const EXPECTED = `C /data
C /data/a
D /data/b
A /data/new
A /data/new-link
D /data/sub
C /keep
A /lnk
A /newdir
A /newdir/deep
A /newdir/deep/file
C /opq
D /opq/o1
D /opq/o2
A /opq/o3
`;

for (const kind of ['overlay', 'copy'] as const) {
  describe(`commit and diff (${kind} snapshotter)`, () => {
    it('lists the changes as docker diff does, commits them as a layer the unpacker applies, with config and history', async () => {
      const svc = new ImageService(join(tmp, `store-${kind}`), { snapshotter: kind });
      await storeBuilt(svc, 'example.com/base:v1', base);
      const root = await mount(svc, 'c1', 'example.com/base:v1');
      const before = snapshotTree(root);
      change(root);
      const src = diffSource(svc, 'c1');
      assert.equal(src.kind, kind);
      if (src.kind === 'overlay') assert.equal(hostCalls().getxattr(join(src.upper, 'opq'), 'trusted.overlay.opaque')?.toString(), 'y', 'overlay made opq opaque');
      assert.equal(formatChanges(listChanges(src)), EXPECTED);
      const expectedTree = snapshotTree(root);

      const img = await commitImage(svc, {
        base: 'example.com/base:v1', changes: src, config: { Cmd: ['cat', '/data/new'] }, instructions: ['ENV COMMITTED=yes'],
        author: 'tester', message: 'my change', createdBy: 'sh -c change', ref: 'example.com/committed:v1',
      });
      assert.match(img.id, /^sha256:[a-f0-9]{64}$/);
      assert.equal(img.name, 'example.com/committed:v1');
      const resolved = await resolveImage(svc, img.id.slice(7, 19));
      assert.equal(resolved.record.name, 'example.com/committed:v1');
      assert.equal(resolved.configDesc.digest, img.id);
      assert.deepEqual(resolved.config.rootfs.diff_ids.slice(0, 2), base.config.rootfs.diff_ids);
      assert.equal(resolved.config.rootfs.diff_ids.length, 3);
      assert.equal(resolved.manifest.layers.length, 3);
      assert.deepEqual(resolved.config.config?.Cmd, ['cat', '/data/new']);
      assert.ok(resolved.config.config?.Env?.includes('COMMITTED=yes'));
      assert.ok(resolved.config.config?.Env?.some((e) => e.startsWith('PATH=')), 'the base config is kept under the overrides');
      assert.equal(resolved.config.author, 'tester');
      assert.deepEqual(resolved.config.history?.at(-1), { created: resolved.config.created, author: 'tester', created_by: 'sh -c change', comment: 'my change' });

      // The new image's layers, unpacked by the unpacker, give the container's tree back.
      const again = await mount(svc, 'c2', 'example.com/committed:v1');
      const tree = snapshotTree(again);
      assert.deepEqual(tree, expectedTree);
      assert.notDeepEqual(tree, before);
      assert.equal(readFileSync(join(again, 'data/a'), 'utf8'), 'new content of a');
      assert.equal(tree['data/b'], undefined);
      assert.equal(tree['data/sub/'], undefined);
      assert.deepEqual(Object.keys(tree).filter((k) => k.startsWith('opq/') && k !== 'opq/'), ['opq/o3']);
      assert.equal(statSync(join(again, 'data/new')).ino, statSync(join(again, 'data/new-link')).ino, 'the hard link is kept');
      assert.equal(hostCalls().getxattr(join(again, 'data/new'), 'user.berth')?.toString(), 'v');
      assert.equal(tree['etc/motd'], 'file 644 0:0 motd');

      const rows = await imageHistory(svc, 'example.com/committed:v1');
      assert.deepEqual(rows.map((r) => [r.id, r.createdBy, r.comment]), [
        [img.id, 'sh -c change', 'my change'],
        [base.manifest.config.digest, 'layer two', ''],
        ['<missing>', 'layer one', ''],
      ]);
      assert.equal(rows[0].size, resolved.manifest.layers[2].size);
    });
  });
}

describe('diff refusals', () => {
  it('refuses an upper directory whose entries keep their data in a lower layer (redirect_dir, metacopy), naming the path', () => {
    const upper = join(tmp, 'upper-redirect');
    mkdirSync(join(upper, 'moved'), { recursive: true });
    hostCalls().setxattr(join(upper, 'moved'), 'trusted.overlay.redirect', Buffer.from('/orig'));
    assert.throws(() => listChanges({ kind: 'overlay', upper, lowers: [] }), (e: Error & { code?: string }) => e.code === 'EDIFF' && e.message.includes('/moved') && e.message.includes('redirect'));
  });

  it('refuses to commit a file whose name would read as a whiteout in the layer', async () => {
    const svc = new ImageService(join(tmp, 'store-wh'), { snapshotter: 'overlay' });
    await storeBuilt(svc, 'example.com/base:v1', base);
    const root = await mount(svc, 'w1', 'example.com/base:v1');
    writeFileSync(join(root, 'data/.wh.a'), 'not a deletion');
    await assert.rejects(commitImage(svc, { base: 'example.com/base:v1', changes: diffSource(svc, 'w1') }),
      (e: Error & { code?: string }) => e.code === 'EDIFF' && e.message.includes('/data/.wh.a'));
    assert.equal(svc.images.list().length, 1);
  });
});

describe('export', () => {
  it('writes a tree as a tar without following symlinks out, and import makes the same tree of it', async () => {
    const svc = new ImageService(join(tmp, 'store-export'), { snapshotter: 'overlay' });
    await storeBuilt(svc, 'example.com/base:v1', base);
    const root = await mount(svc, 'e1', 'example.com/base:v1');
    change(root);
    symlinkSync('/etc/shadow', join(root, 'shadow-link'));
    symlinkSync('../../../../../../etc', join(root, 'escape'));
    const tarPath = join(tmp, 'export.tar');
    await exportTree(root, createWriteStream(tarPath));
    const names: string[] = [];
    for await (const e of readTar([readFileSync(tarPath)], 'export')) {
      names.push(e.header.name);
      if (e.header.name === 'escape') assert.equal(e.header.type, 'symlink');
      if (e.header.name === 'shadow-link') assert.deepEqual([e.header.type, e.header.linkname], ['symlink', '/etc/shadow']);
    }
    assert.ok(!names.some((n) => n.startsWith('escape/')), 'a symlinked directory is not entered');
    assert.ok(names.includes('bin/') && names.includes('data/new') && names.includes('newdir/deep/file'));

    const img = await importImage(svc, tarPath, { ref: 'example.com/exported:v1' });
    const back = await mount(svc, 'e2', img.id);
    assert.deepEqual(snapshotTree(back), snapshotTree(root));
  });
});
