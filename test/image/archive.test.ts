// docker-archive both ways: a legacy archive (repositories and <id>/json,
// layer.tar, VERSION; no manifest.json) built here loads; save writes what
// docker load reads (manifest.json, repositories, the layer directories), and
// the legacy part of it alone loads back to the same image.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { load, save } from '../../src/image/archive.ts';
import { ArchiveError, LimitError } from '../../src/image/errors.ts';
import { ensureLayers } from '../../src/image/layers.ts';
import { importLayout } from '../../src/image/layout.ts';
import { resolveImage } from '../../src/image/resolve.ts';
import { ImageService } from '../../src/image/service.ts';
import { tarBuffer, type WriteEntry } from '../../src/image/tar/writer.ts';
import { buildImage, sha256, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, dir, file, symlink } from './helpers/layers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-archive-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(tmp, `t${n++}`);

function service(): ImageService {
  return new ImageService(fresh(), { snapshotter: 'copy' });
}

async function writeArchive(entries: WriteEntry[]): Promise<string> {
  const path = `${fresh()}.tar`;
  writeFileSync(path, await tarBuffer(entries));
  return path;
}

const hex = (s: string): string => sha256(Buffer.from(s)).slice(7);

/** An image in the store under name, by way of an OCI layout written here. */
async function put(svc: ImageService, img: BuiltImage, name: string): Promise<void> {
  const d = fresh();
  mkdirSync(join(d, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(d, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: img.manifest.mediaType, digest: img.digest, size: img.manifestBytes.length }] }));
  for (const [dg, b] of [...img.blobs, [img.digest, img.manifestBytes] as const]) writeFileSync(join(d, 'blobs', 'sha256', dg.slice(7)), b);
  await importLayout(svc, d, { name });
}

describe('docker-archive, legacy layout', () => {
  it('loads an archive with only repositories and layer directories', async () => {
    const baseTar = await tarBuffer(busyboxRootfs());
    const topTar = await tarBuffer([file('etc/motd', 'from 2015\n'), dir('data')]);
    const [base, top] = [hex('base'), hex('top')];
    const v1 = (id: string, json: object, layer: Buffer): WriteEntry[] => [
      dir(id), file(`${id}/VERSION`, '1.0'), file(`${id}/json`, JSON.stringify({ id, ...json })), file(`${id}/layer.tar`, layer),
    ];
    const archive = await writeArchive([
      file('repositories', JSON.stringify({ 'legacy/app': { v1: top, old: top } })),
      ...v1(base, { created: '2015-06-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD file:abc in /'] }, os: 'linux', architecture: 'amd64' }, baseTar),
      // Docker wrote layer.tar uncompressed; a gzipped one is taken too.
      ...v1(top, {
        parent: base, created: '2015-06-02T00:00:00Z', Size: 10, docker_version: '1.7.0', os: 'linux', architecture: 'amd64',
        container_config: { Cmd: ['/bin/sh', '-c', 'echo from 2015 > /etc/motd'] },
        config: { Cmd: ['cat', '/etc/motd'], Env: ['PATH=/bin'], WorkingDir: '/data' },
      }, gzipSync(topTar)),
    ]);
    const svc = service();
    assert.deepEqual(await load(svc, archive), ['docker.io/legacy/app:v1', 'docker.io/legacy/app:old']);
    const img = await resolveImage(svc, 'legacy/app:v1');
    assert.equal((await resolveImage(svc, 'legacy/app:old')).record.target.digest, img.record.target.digest);
    assert.deepEqual(img.config.rootfs.diff_ids, [sha256(baseTar), sha256(topTar)]);
    assert.deepEqual(img.config.config, { Cmd: ['cat', '/etc/motd'], Env: ['PATH=/bin'], WorkingDir: '/data' });
    assert.equal(img.config.created, '2015-06-02T00:00:00Z');
    assert.deepEqual(img.config.history?.map((h) => h.created_by), ['/bin/sh -c #(nop) ADD file:abc in /', '/bin/sh -c echo from 2015 > /etc/motd']);
    for (const k of ['id', 'parent', 'Size']) assert.ok(!(k in img.config), `v1 field ${k} left in the config`);
    // The layers unpack and their content matches the diff IDs.
    const lease = svc.leases.create();
    try {
      await ensureLayers(svc, img.manifest.layers, img.config.rootfs.diff_ids, { image: img.record.name, lease, unpack: true });
    } finally {
      lease.release();
    }
    const rootfs = join(fresh(), 'rootfs');
    mkdirSync(join(rootfs, '..'));
    await svc.snapshots.mount('c1', img.chainId!, rootfs);
    assert.equal(readFileSync(join(rootfs, 'etc/motd'), 'utf8'), 'from 2015\n');
    assert.ok(lstatSync(join(rootfs, 'bin/busybox')).isFile());
    await svc.snapshots.unmount('c1', rootfs);
  });

  it('refuses archive members that point outside the archive, naming them', async () => {
    const id = hex('evil');
    const legacy = await writeArchive([
      file('repositories', JSON.stringify({ evil: { v1: id } })),
      dir(id), file(`${id}/json`, JSON.stringify({ id, os: 'linux', architecture: 'amd64' })), symlink(`${id}/layer.tar`, '/etc/passwd'),
    ]);
    const svc = service();
    await assert.rejects(load(svc, legacy), (e: Error) => e instanceof ArchiveError && e.message === `${legacy}: "${id}/layer.tar" is not a file inside the archive`);
    const docker = await writeArchive([
      file('manifest.json', JSON.stringify([{ Config: 'config.json', RepoTags: ['evil:v1'], Layers: ['../../../../../../etc/passwd'] }])),
      file('config.json', JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from('x'))] } })),
    ]);
    await assert.rejects(load(svc, docker), (e: Error) => e instanceof ArchiveError && /"\.\.\/\.\.\/.*etc\/passwd" is not a file inside the archive/.test(e.message));
    assert.deepEqual(svc.images.list(), []);
  });

  it('stops an archive that expands past the limit a load sets, keeping nothing', async () => {
    const bomb = `${fresh()}.tar.gz`;
    writeFileSync(bomb, gzipSync(await tarBuffer([file('repositories', '{}'), file('zeros', Buffer.alloc(4 << 20))])));
    const svc = service();
    await assert.rejects(load(svc, bomb, { limits: { maxLayerSize: 1 << 20 } }), (e: Error) =>
      e instanceof LimitError && e.message.startsWith(`archive ${bomb}: entry "zeros": 4194304 bytes would expand the layer past 1048576 bytes (the maxLayerSize limit`));
    assert.deepEqual(readdirSync(join(svc.root, 'tmp')), []);
    assert.deepEqual(svc.images.list(), []);
  });
});

describe('docker-archive, save', () => {
  it('writes manifest.json, repositories and layer directories; the legacy part alone loads back', async () => {
    const history = [{ created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs /' }, { created: '2024-01-02T00:00:00Z', created_by: 'ENV X=1', empty_layer: true }, { created: '2024-01-03T00:00:00Z', created_by: 'COPY hello /' }];
    const app = await buildImage([busyboxRootfs(), [file('hello', 'world')]], { history, config: { Cmd: ['cat', '/hello'] } });
    const other = await buildImage([busyboxRootfs(), [file('other', 'o')]], { history: [history[0], { created_by: 'COPY other /' }] });
    const svc = service();
    await put(svc, app, 'example.com/app:v1');
    await put(svc, app, 'example.com/app:v2');
    await put(svc, other, 'other:v1');
    const archive = `${fresh()}.tar`;
    await save(svc, ['example.com/app:v1', 'example.com/app:v2', 'other:v1'], archive);
    const out = fresh();
    mkdirSync(out);
    execFileSync('tar', ['-xf', archive, '-C', out]);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    assert.deepEqual(manifest.map((m) => m.RepoTags), [['example.com/app:v1'], ['example.com/app:v2'], ['other:v1']]);
    assert.equal(sha256(readFileSync(join(out, manifest[0].Config))), app.manifest.config.digest);
    assert.deepEqual(manifest[0].Layers.map((l) => sha256(readFileSync(join(out, l)))), app.manifest.layers.map((l) => l.digest));

    const repositories = JSON.parse(readFileSync(join(out, 'repositories'), 'utf8')) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(repositories), ['example.com/app', 'other']);
    assert.equal(repositories['example.com/app'].v1, repositories['example.com/app'].v2);
    const chain = (top: string): string[] => {
      const ids: string[] = [];
      for (let id: string | undefined = top; id; id = JSON.parse(readFileSync(join(out, id, 'json'), 'utf8')).parent) ids.unshift(id);
      return ids;
    };
    const appIds = chain(repositories['example.com/app'].v1);
    const otherIds = chain(repositories.other.v1);
    assert.equal(appIds.length, 2);
    assert.equal(appIds[0], otherIds[0], 'a shared base layer has one directory');
    appIds.forEach((id, i) => {
      assert.equal(readFileSync(join(out, id, 'VERSION'), 'utf8'), '1.0');
      assert.equal(readlinkSync(join(out, id, 'layer.tar')), `../blobs/sha256/${app.manifest.layers[i].digest.slice(7)}`);
      assert.equal(sha256(readFileSync(join(out, id, 'layer.tar'))), app.manifest.layers[i].digest);
    });
    const [baseJson, topJson] = appIds.map((id) => JSON.parse(readFileSync(join(out, id, 'json'), 'utf8')));
    assert.deepEqual(baseJson, { id: appIds[0], created: '2024-01-01T00:00:00Z', container_config: { Cmd: ['ADD rootfs /'] } });
    assert.equal(topJson.id, appIds[1]);
    assert.equal(topJson.parent, appIds[0]);
    assert.deepEqual(topJson.config, { Cmd: ['cat', '/hello'] });
    assert.ok(!('rootfs' in topJson) && !('history' in topJson));

    for (const f of ['manifest.json', 'index.json', 'oci-layout']) rmSync(join(out, f));
    const legacy = `${fresh()}.tar`;
    execFileSync('tar', ['-cf', legacy, '-C', out, '.']);
    const back = service();
    assert.deepEqual((await load(back, legacy)).sort(), ['docker.io/library/other:v1', 'example.com/app:v1', 'example.com/app:v2']);
    const img = await resolveImage(back, 'example.com/app:v1');
    assert.deepEqual(img.config.rootfs.diff_ids, app.config.rootfs.diff_ids);
    assert.deepEqual(img.config.config, { Cmd: ['cat', '/hello'] });
    assert.deepEqual(img.manifest.layers.map((l) => l.digest), app.manifest.layers.map((l) => l.digest));
  });
});
