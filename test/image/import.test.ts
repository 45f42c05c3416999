// import: plain, gzip and zstd tarballs become one-layer images; --change,
// --message and --platform shape the config; a bomb stops at the unpack
// limits and bad input leaves nothing behind; what is unsafe in the tarball
// is refused by the unpacker when the image is used. The CLI: import (a file
// and stdin), history.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { applyChanges } from '../../src/image/changes.ts';
import { InvalidChangeError, LimitError, TarFormatError, UnsafeEntryError } from '../../src/image/errors.ts';
import { importImage } from '../../src/image/import.ts';
import { ensureLayers } from '../../src/image/layers.ts';
import { resolveImage } from '../../src/image/resolve.ts';
import { ImageService } from '../../src/image/service.ts';
import { busyboxRootfs, dir, file, layer } from './helpers/layers.ts';
import { sha256 } from './helpers/images.ts';
import { snapshotTree } from './helpers/store.ts';

const BERTH = resolve(import.meta.dirname, '..', '..', 'bin', 'berth');
const tmp = mkdtempSync(join(tmpdir(), 'berth-import-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function service(): ImageService {
  return new ImageService(join(tmp, `store-${n++}`), { snapshotter: 'copy' });
}

/** Nothing but empty directories: no blob, no name, no temporary file. */
function assertEmpty(svc: ImageService): void {
  assert.deepEqual(svc.images.list(), []);
  assert.deepEqual(svc.content.list(), []);
  assert.deepEqual(existsSync(join(svc.root, 'tmp')) ? readdirSync(join(svc.root, 'tmp')) : [], []);
}

const ROOTFS = [...busyboxRootfs(), dir('srv'), file('srv/index.html', '<h1>hi</h1>')];

describe('import', () => {
  it('makes a one-layer image of a plain, gzip or zstd tarball, with the same diff ID', async () => {
    const svc = service();
    const ids = new Set<string>();
    for (const c of ['none', 'gzip', 'zstd'] as const) {
      const { tar, blob } = await layer(ROOTFS, c);
      const path = join(tmp, `rootfs-${c}.tar`);
      writeFileSync(path, blob);
      const img = await importImage(svc, path, { ref: `example.com/imported:${c}` });
      const r = await resolveImage(svc, img.id);
      assert.deepEqual(r.config.rootfs.diff_ids, [sha256(tar)]);
      assert.equal(r.manifest.layers.length, 1);
      assert.equal(r.manifest.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
      assert.deepEqual(r.config.history?.map((h) => h.comment), [`Imported from ${path}`]);
      assert.equal(r.config.os, 'linux');
      ids.add(r.config.rootfs.diff_ids[0]);
    }
    assert.equal(ids.size, 1);
    // The image runs: its layer unpacks to the tarball's tree.
    const r = await resolveImage(svc, 'example.com/imported:zstd');
    const lease = svc.leases.create();
    await ensureLayers(svc, r.manifest.layers, r.config.rootfs.diff_ids, { image: r.record.name, lease, unpack: true });
    lease.release();
    const target = join(tmp, 'imported-rootfs');
    await svc.snapshots.mount('imp', r.chainId!, target);
    try {
      assert.equal(snapshotTree(target)['srv/index.html'], 'file 644 0:0 <h1>hi</h1>');
    } finally {
      await svc.snapshots.unmount('imp', target);
    }
  });

  it('applies --change instructions, --message and --platform; untagged, it is known by its ID', async () => {
    const svc = service();
    const path = join(tmp, 'changes.tar.gz');
    writeFileSync(path, (await layer(ROOTFS, 'gzip')).blob);
    const img = await importImage(svc, path, {
      changes: ['CMD ["httpd", "-f"]', 'ENV PORT=8080 NAME="a b"', 'WORKDIR /srv', 'USER nobody', 'EXPOSE 8080/tcp', 'VOLUME /data', 'LABEL maintainer=me', 'STOPSIGNAL SIGQUIT', 'ENTRYPOINT /bin/sh'],
      message: 'from a tarball', platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(img.name, img.manifest.digest);
    const r = await resolveImage(svc, img.id.slice(7, 19), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(r.config.config, {
      Cmd: ['httpd', '-f'], Entrypoint: ['/bin/sh', '-c', '/bin/sh'], Env: ['PORT=8080', 'NAME=a b'], WorkingDir: '/srv', User: 'nobody',
      ExposedPorts: { '8080/tcp': {} }, Volumes: { '/data': {} }, Labels: { maintainer: 'me' }, StopSignal: 'SIGQUIT',
    });
    assert.equal(r.config.architecture, 'arm64');
    assert.equal(r.config.history?.[0].comment, 'from a tarball');
  });

  it('refuses bad changes, references and tarballs, and a tarball past the limits, leaving nothing behind', async () => {
    const path = join(tmp, 'ok.tar');
    writeFileSync(path, (await layer(ROOTFS, 'none')).tar);
    const svc = service();
    await assert.rejects(importImage(svc, path, { changes: ['RUN rm -rf /'] }), (e: Error) => e instanceof InvalidChangeError && /RUN is not supported/.test(e.message));
    await assert.rejects(importImage(svc, path, { ref: 'Bad Name' }), /invalid reference "Bad Name"/);
    const garbage = join(tmp, 'garbage');
    writeFileSync(garbage, Buffer.alloc(2048, 0x41));
    await assert.rejects(importImage(svc, garbage), (e: Error) => e instanceof TarFormatError && e.message.includes(garbage));
    const empty = join(tmp, 'empty');
    writeFileSync(empty, '');
    await assert.rejects(importImage(svc, empty), /is empty/);
    // A gzip bomb: 64 MiB of zeros in one file, in a few dozen kilobytes.
    const bomb = join(tmp, 'bomb.tar.gz');
    writeFileSync(bomb, gzipSync((await layer([file('zeros', Buffer.alloc(64 << 20))], 'none')).tar));
    await assert.rejects(importImage(svc, bomb, { limits: { maxLayerSize: 1 << 20 } }), (e: Error) => e instanceof LimitError && e.message.includes('maxLayerSize'));
    await assert.rejects(importImage(svc, path, { limits: { maxLayerEntries: 5 } }), (e: Error) => e instanceof LimitError && e.message.includes('maxLayerEntries'));
    assertEmpty(svc);
  });

  it('takes an unsafe tarball, whose entries the unpacker refuses when the image is used', async () => {
    const svc = service();
    const path = join(tmp, 'evil.tar');
    writeFileSync(path, (await layer([...ROOTFS, file('../escaped', 'x')], 'none')).tar);
    const img = await importImage(svc, path, { ref: 'example.com/evil:v1' });
    const r = await resolveImage(svc, img.id);
    const lease = svc.leases.create();
    try {
      await assert.rejects(ensureLayers(svc, r.manifest.layers, r.config.rootfs.diff_ids, { image: r.record.name, lease, unpack: true }),
        (e: Error) => e instanceof UnsafeEntryError && e.message.includes('../escaped'));
    } finally {
      lease.release();
    }
    assert.ok(!existsSync(join(svc.root, '..', 'escaped')));
  });
});

describe('changes', () => {
  it('parses exec and shell forms, pairs, ports and signals as a Dockerfile does', () => {
    const base = { Cmd: ['sh'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/app' };
    assert.deepEqual(applyChanges(base, ['ENTRYPOINT ["/init"]']), { ...base, Entrypoint: ['/init'], Cmd: null });
    assert.deepEqual(applyChanges(base, ['CMD echo hi', 'ENTRYPOINT ["/init"]']).Cmd, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(applyChanges(base, ['cmd [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
    assert.deepEqual(applyChanges(base, ['ENV A 2 and more']).Env, ['PATH=/bin', 'A=2 and more']);
    assert.deepEqual(applyChanges(base, [`ENV B='x y' C=z\\ w`]).Env, ['PATH=/bin', 'A=1', 'B=x y', 'C=z w']);
    assert.equal(applyChanges(base, ['WORKDIR sub/../dir']).WorkingDir, '/app/dir');
    assert.equal(applyChanges(base, ['WORKDIR /x//y/']).WorkingDir, '/x/y/');
    assert.deepEqual(applyChanges({}, ['EXPOSE 80 53/udp 9000-9002']).ExposedPorts, { '80/tcp': {}, '53/udp': {}, '9000/tcp': {}, '9001/tcp': {}, '9002/tcp': {} });
    assert.deepEqual(applyChanges({}, ['VOLUME ["/a", "/b"]', 'VOLUME /c /d']).Volumes, { '/a': {}, '/b': {}, '/c': {}, '/d': {} });
    assert.deepEqual(applyChanges({}, ['LABEL "com.example.x"="1" y=2']).Labels, { 'com.example.x': '1', y: '2' });
    assert.equal(applyChanges({}, ['STOPSIGNAL 15']).StopSignal, '15');
    assert.equal(base.Cmd[0], 'sh', 'the input is left as it was');
    for (const [bad, why] of [
      ['FROM scratch', /FROM is not supported/], ['ONBUILD RUN x', /ONBUILD is not supported/], ['CMD', /CMD needs an argument/],
      ['EXPOSE 70000', /1 to 65535/], ['EXPOSE http', /not PORT/], ['STOPSIGNAL SIGNOPE', /not a signal/], ['ENV =x', /blank/],
      ['ENV A="unterminated', /unterminated double quote/], ['USER a b', /one name/],
    ] as const) {
      assert.throws(() => applyChanges({}, [bad]), (e: Error) => e instanceof InvalidChangeError && why.test(e.message) && e.message.includes(JSON.stringify(bad)), bad);
    }
  });
});

describe('berth import and history', () => {
  const berth = (root: string, args: string[], input?: Buffer) => spawnSync(BERTH, ['--root', root, ...args], { input, encoding: 'utf8', timeout: 60_000 });

  it('imports a file or stdin, prints the image ID, and shows history in docker\'s shapes', async () => {
    const root = join(tmp, 'cli');
    const { blob } = await layer(ROOTFS, 'gzip');
    const path = join(tmp, 'cli.tar.gz');
    writeFileSync(path, blob);
    let r = berth(root, ['import', '-c', 'CMD ["sh"]', '--change', 'ENV X=1', '-m', 'first', path, 'example.com/cli:v1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const id = r.stdout.trim();
    r = berth(root, ['image', 'import', '-'], blob);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(berth(root, ['images', '--format', 'json']).stdout).length, 2);

    r = berth(root, ['history', 'example.com/cli:v1']);
    assert.equal(r.status, 0, r.stderr);
    const [head, row, ...rest] = r.stdout.split('\n');
    assert.match(head, /^IMAGE {10}CREATED +CREATED BY +SIZE +COMMENT$/);
    // Columns line up under their headings; an imported layer has no CREATED BY.
    for (const h of ['CREATED', 'SIZE', 'COMMENT']) assert.ok(row.length > head.indexOf(h) && row[head.indexOf(h) - 1] === ' ', h);
    assert.match(row, new RegExp(`^${id.slice(7, 19)} {3}(Less than a second|\\d+ seconds?) ago +[\\d.]+MB +first$`));
    assert.deepEqual(rest, ['']);
    assert.equal(berth(root, ['history', '-q', id.slice(7, 15)]).stdout, `${id.slice(7, 19)}\n`);
    assert.equal(berth(root, ['history', '-q', '--no-trunc', 'example.com/cli:v1']).stdout, `${id}\n`);
    const json = JSON.parse(berth(root, ['history', '--format', 'json', '--no-trunc', 'example.com/cli:v1']).stdout);
    assert.deepEqual(Object.keys(json), ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size']);
    assert.equal(json.ID, id);
    assert.equal(berth(root, ['history', '--format', '{{.ID}}|{{.Comment}}', 'example.com/cli:v1']).stdout, `${id.slice(7, 19)}|first\n`);
    assert.equal(berth(root, ['history', '--format', 'table {{.Size}}\\t{{.Comment}}', 'example.com/cli:v1']).stdout.split('\n')[0], 'SIZE     COMMENT');

    for (const [args, why] of [
      [['import', '-c', 'RUN true', path], /RUN is not supported/],
      [['import', '/nonexistent.tar'], /nonexistent\.tar/],
      [['import', 'https://example.com/rootfs.tar'], /URL is not supported/],
      [['import', '--platform', 'linux', path], /--platform/],
      [['history', '--format', '{{.Nope}}', id], /no field "Nope"/],
      [['history', 'example.com/none:v1'], /not found/],
    ] as const) {
      r = berth(root, [...args]);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, why, args.join(' '));
    }
    assert.equal(JSON.parse(berth(root, ['images', '--format', 'json']).stdout).length, 2);
  });
});
