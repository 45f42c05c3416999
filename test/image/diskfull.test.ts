// A full disk during a pull: the store lives on a 2 MiB tmpfs mounted here.
// Unpacking a layer bigger than that, or downloading one, fails naming the
// image and the layer, and leaves no partial blob, no half-unpacked snapshot,
// no lease and no lock; once there is room the same pull succeeds. By default
// a layer stops well before the disk is full (limits.ts): these tests raise
// that limit to reach the disk's own.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { chainIds } from '../../src/image/digest.ts';
import { LimitError, StorageError, UnpackError } from '../../src/image/errors.ts';
import type { UnpackLimits } from '../../src/image/limits.ts';
import { pull } from '../../src/image/pull.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage, pushImage, sha256, type BuiltImage } from './helpers/images.ts';
import { dir, file } from './helpers/layers.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';

let reg: TestRegistry;
/** 3 MiB of zeros: a blob of a few kB that unpacks to more than the disk holds. */
let zeros: BuiltImage;
/** 3 MiB of noise: a blob that does not fit at all. */
let noise: BuiltImage;
/** 16 MiB of zeros in 16 files: a gzip of a few tens of kB. */
let bomb: BuiltImage;
const tmp = mkdtempSync(join(tmpdir(), 'berth-diskfull-'));
const mounts: string[] = [];

function smallDisk(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', d]);
  mounts.push(d);
  return d;
}

function service(root: string, unpackLimits: Partial<UnpackLimits> = { maxLayerSize: 1 << 30 }): ImageService {
  return new ImageService(root, { snapshotter: 'overlay', unpackLimits, registry: { hosts: { [reg.host]: { plainHttp: true } }, backoffMs: 5, retries: 1 } });
}

/** Only whole, verified blobs; nothing in progress, nothing leased, nothing recorded. */
function assertNothingHalfDone(svc: ImageService, chainId: string): void {
  assert.deepEqual(readdirSync(join(svc.root, 'content', 'ingest')), [], 'partial blobs');
  assert.deepEqual(readdirSync(join(svc.snapshots.root, 'tmp')), [], 'half-unpacked snapshots');
  assert.ok(!svc.snapshots.has(chainId), 'the failed layer\'s snapshot');
  assert.deepEqual(readdirSync(join(svc.root, 'leases')), [], 'leases');
  assert.deepEqual(svc.images.list(), []);
  for (const b of svc.content.list()) assert.equal(sha256(readFileSync(svc.content.path(b))), b);
  assert.deepEqual(readdirSync(svc.root).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), []);
}

before(async () => {
  reg = await startRegistry();
  zeros = await buildImage([[dir('etc'), file('etc/motd', 'hi')], [dir('data'), file('data/zeros', Buffer.alloc(3 << 20))]]);
  noise = await buildImage([[dir('data'), file('data/noise', randomBytes(3 << 20))]], { compression: ['none'] });
  await pushImage(reg.url, 'full/zeros', 'v1', zeros);
  await pushImage(reg.url, 'full/noise', 'v1', noise);
  bomb = await buildImage([Array.from({ length: 16 }, (_, i) => file(`z${i}`, Buffer.alloc(1 << 20)))]);
  await pushImage(reg.url, 'full/bomb', 'v1', bomb);
});

after(async () => {
  closeAgents();
  await reg?.stop();
  const stuck = mounts.filter((m) => spawnSync('umount', [m]).status !== 0);
  if (!stuck.length) rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(stuck, [], 'tmpfs mounts left behind');
});

describe('disk full', () => {
  it('while unpacking: names image, layer and entry, keeps nothing half-done; with room the pull succeeds', async () => {
    const root = smallDisk('unpack');
    const svc = service(root);
    const name = `${reg.host}/full/zeros:v1`;
    const top = zeros.manifest.layers[1].digest;
    const chainId = chainIds(zeros.config.rootfs.diff_ids)[1];
    await assert.rejects(pull(svc, name), (e: Error) =>
      e instanceof UnpackError && e.message === `${name} layer 2/2 (${top}): entry "data/zeros": ENOSPC: no space left on device, write`);
    assertNothingHalfDone(svc, chainId);
    execFileSync('mount', ['-o', 'remount,size=16m', root]);
    const r = await pull(svc, name);
    assert.equal(r.chainId, chainId);
    assert.ok(svc.snapshots.has(chainId));
    assert.deepEqual(readdirSync(join(svc.root, 'content', 'ingest')), []);
  });

  it('while downloading: names image and layer, keeps no partial blob; with room the pull succeeds', async () => {
    const root = smallDisk('download');
    const svc = service(root);
    const name = `${reg.host}/full/noise:v1`;
    const layer = noise.manifest.layers[0].digest;
    const where = `${name} layer 1/1 (${layer})`;
    // Downloading and unpacking at once: whichever fills the disk first explains.
    await assert.rejects(pull(svc, name), (e: Error) =>
      (e instanceof StorageError || e instanceof UnpackError) && e.message.startsWith(`${where}: `) && e.message.includes('ENOSPC: no space left on device'));
    assertNothingHalfDone(svc, layer);
    assert.ok(!svc.content.has(layer));
    await assert.rejects(pull(svc, name, { unpack: false }), (e: Error) =>
      e instanceof StorageError && e.message === `${where}: ENOSPC: no space left on device, write`);
    assertNothingHalfDone(svc, layer);
    assert.ok(!svc.content.has(layer));
    execFileSync('mount', ['-o', 'remount,size=16m', root]);
    const r = await pull(svc, name);
    assert.ok(svc.content.has(layer) && svc.snapshots.has(r.chainId!));
  });

  it('by default, a layer stops at half the free space, before the disk is full, naming the limit', async () => {
    const root = smallDisk('limit');
    const svc = service(root, {});
    const name = `${reg.host}/full/zeros:v1`;
    const top = zeros.manifest.layers[1].digest;
    const chainId = chainIds(zeros.config.rootfs.diff_ids)[1];
    await assert.rejects(pull(svc, name), (e: Error) =>
      e instanceof LimitError && e.message.startsWith(`${name} layer 2/2 (${top}): entry "data/zeros": 3145728 bytes would expand the layer past `) && e.message.includes('(the maxLayerSize limit'));
    assertNothingHalfDone(svc, chainId);
  });

  it('a gzip bomb stops at the limit a pull sets, keeping nothing', async () => {
    const root = join(tmp, 'bomb');
    const svc = service(root, {});
    const name = `${reg.host}/full/bomb:v1`;
    const chainId = chainIds(bomb.config.rootfs.diff_ids)[0];
    await assert.rejects(pull(svc, name, { limits: { maxLayerSize: 4 << 20 } }), (e: Error) =>
      e instanceof LimitError && e.message.startsWith(`${name} layer 1/1 (${bomb.manifest.layers[0].digest}): `) && e.message.includes('past 4194304 bytes (the maxLayerSize limit'));
    assertNothingHalfDone(svc, chainId);
  });
});
