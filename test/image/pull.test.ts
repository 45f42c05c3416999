// Pulling from a real docker-registry over plain HTTP: single and multi-layer
// images, whiteouts seen through a real overlay mount and through the copy
// snapshotter, multi-arch indexes and platform selection.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlatformNotFoundError } from '../../src/image/errors.ts';
import { pull } from '../../src/image/pull.ts';
import { resolveImage } from '../../src/image/resolve.ts';
import { ImageService } from '../../src/image/service.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { buildImage, buildIndex, pushImage, pushManifest } from './helpers/images.ts';
import { busyboxRootfs, dir, file, hardlink, symlink } from './helpers/layers.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';

let reg: TestRegistry;
const roots: string[] = [];
function service(snapshotter: 'overlay' | 'copy' = 'overlay'): ImageService {
  const root = mkdtempSync(join(tmpdir(), 'berth-pull-'));
  roots.push(root);
  return new ImageService(root, { snapshotter, registry: { backoffMs: 10 } });
}

const LAYERS = [
  busyboxRootfs(),
  [dir('data'), file('data/keep', 'k'), file('data/drop', 'd'), dir('cache'), file('cache/old', 'o'), file('etc/motd', 'one'), hardlink('data/keep-link', 'data/keep')],
  [file('data/.wh.drop', ''), file('cache/.wh..wh..opq', ''), file('cache/new', 'n'), symlink('data/motd', '../etc/motd'), file('etc/motd', 'two')],
];

before(async () => {
  reg = await startRegistry();
  await pushImage(reg.url, 'test/busybox', 'latest', await buildImage([busyboxRootfs()]));
  await pushImage(reg.url, 'test/multi', 'v1', await buildImage(LAYERS, { compression: ['gzip', 'zstd', 'none'] }));
  const amd = await buildImage([busyboxRootfs(), [file('arch', 'amd64')]]);
  const arm = await buildImage([busyboxRootfs(), [file('arch', 'arm64')]], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  await pushImage(reg.url, 'test/multiarch', undefined, amd);
  await pushImage(reg.url, 'test/multiarch', undefined, arm);
  const idx = buildIndex([amd, arm]);
  await pushManifest(reg.url, 'test/multiarch', 'latest', idx.bytes, 'application/vnd.oci.image.index.v1+json');
});

after(async () => {
  closeAgents();
  await reg?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(root, r), { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(r);
      else out[r] = st ? readFileSync(join(root, r), 'utf8').slice(0, 20) : 'dangling';
    }
  };
  walk('data');
  walk('cache');
  out['etc/motd'] = readFileSync(join(root, 'etc/motd'), 'utf8');
  return out;
}

const EXPECTED = { 'data/keep': 'k', 'data/keep-link': 'k', 'data/motd': 'two', 'cache/new': 'n', 'etc/motd': 'two' };

describe('pull over HTTP', () => {
  it('pulls and unpacks a single-layer busybox image; a second pull reuses everything', async () => {
    const svc = service();
    const r = await pull(svc, `${reg.host}/test/busybox`);
    assert.equal(r.name, `${reg.host}/test/busybox:latest`);
    const img = await resolveImage(svc, `${reg.host}/test/busybox`);
    assert.ok(img.chainId && svc.snapshots.has(img.chainId));
    const again = await pull(svc, `${reg.host}/test/busybox:latest`);
    assert.equal(again.target.digest, r.target.digest);
    assert.deepEqual(readdirSync(join(svc.root, 'content', 'ingest')), []);
  });

  for (const kind of ['overlay', 'copy'] as const) {
    it(`applies whiteouts, opaque dirs, hardlinks and symlinks across layers (${kind} snapshotter)`, async () => {
      const svc = service(kind);
      const r = await pull(svc, `${reg.host}/test/multi:v1`);
      const target = mkdtempSync(join(tmpdir(), 'berth-mnt-'));
      roots.push(target);
      const m = await svc.snapshots.mount('c1', r.chainId!, join(target, 'rootfs'));
      try {
        assert.deepEqual(tree(m.rootfs), EXPECTED);
        assert.equal(statSync(join(m.rootfs, 'data/keep')).ino, statSync(join(m.rootfs, 'data/keep-link')).ino);
        assert.equal(execFileSync(join(m.rootfs, 'bin/busybox'), ['echo', 'hi'], { encoding: 'utf8' }), 'hi\n');
      } finally {
        await svc.snapshots.unmount('c1', join(target, 'rootfs'));
      }
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(target));
    });
  }

  it('selects the platform from a multi-arch index, and names the available ones when none matches', async () => {
    const svc = service();
    const amd = await pull(svc, `${reg.host}/test/multiarch`, { platform: { os: 'linux', architecture: 'amd64' } });
    const arm = await pull(svc, `${reg.host}/test/multiarch`, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.notEqual(amd.manifest.digest, arm.manifest.digest);
    assert.equal(amd.target.digest, arm.target.digest);
    const img = await resolveImage(svc, `${reg.host}/test/multiarch`, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal(img.manifestDesc.digest, arm.manifest.digest);
    await assert.rejects(pull(svc, `${reg.host}/test/multiarch`, { platform: { os: 'linux', architecture: 's390x' } }),
      (e: Error) => e instanceof PlatformNotFoundError && /linux\/s390x.*available: linux\/amd64, linux\/arm64/.test(e.message));
    assert.ok(!existsSync(join(svc.root, 'content', 'ingest', 'x')));
  });
});
