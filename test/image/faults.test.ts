// Bad input from a registry (through a fault-injecting proxy in front of a
// real one): every failure names what was wrong and leaves no partial blob
// and no snapshot behind; transient faults are retried and resumed.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DigestMismatchError, ManifestError, RegistryError, SizeMismatchError, UnsafeEntryError } from '../../src/image/errors.ts';
import { pull } from '../../src/image/pull.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage, pushImage, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, file, symlink } from './helpers/layers.ts';
import { startProxy, type Proxy } from './helpers/proxy.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';

let reg: TestRegistry;
let proxy: Proxy;
let img: BuiltImage;
const roots: string[] = [];

function service(): ImageService {
  const root = mkdtempSync(join(tmpdir(), 'berth-faults-'));
  roots.push(root);
  return new ImageService(root, { snapshotter: 'overlay', registry: { hosts: { [proxy.host]: { plainHttp: true } }, backoffMs: 5, retries: 3 } });
}

/** Nothing half-done: no ingest, no temp snapshot, no committed snapshot, only whole blobs. */
function assertClean(svc: ImageService, layerDigest?: string): void {
  assert.deepEqual(readdirSync(join(svc.root, 'content', 'ingest')), []);
  assert.deepEqual(readdirSync(join(svc.snapshots.root, 'tmp')), []);
  assert.deepEqual(readdirSync(join(svc.snapshots.root, 'layers')), []);
  if (layerDigest) assert.ok(!svc.content.has(layerDigest));
  assert.deepEqual(svc.images.list(), []);
}

const layerOf = (i: BuiltImage, n = 0): string => i.manifest.layers[n].digest;

before(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.host);
  img = await buildImage([busyboxRootfs()]);
  await pushImage(reg.url, 'f/busybox', 'latest', img);
  await pushImage(reg.url, 'f/slip', 'latest', await buildImage([[file('ok', 'x'), symlink('up', '../../../..'), file('up/escaped', 'x')]]));
});

after(async () => {
  closeAgents();
  await proxy?.stop();
  await reg?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('registry faults', () => {
  it('refuses a corrupted layer (digest mismatch), naming image, layer and digests', async () => {
    const svc = service();
    proxy.faults = [{ match: `/blobs/${layerOf(img)}`, corruptAt: 5000 }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) =>
      e instanceof DigestMismatchError && e.message.includes(`${proxy.host}/f/busybox:latest layer 1/1 (${layerOf(img)})`) && e.message.includes(`expected ${layerOf(img)}`));
    assertClean(svc, layerOf(img));
  });

  it('resumes a blob whose connection broke with a Range request, and succeeds', async () => {
    const svc = service();
    proxy.seen = [];
    proxy.faults = [{ match: `/blobs/${layerOf(img)}`, cutAfter: 300_000 }];
    await pull(svc, `${proxy.host}/f/busybox`);
    const ranges = proxy.seen.filter((s) => s.path.includes(layerOf(img)) && s.range);
    assert.equal(ranges.length, 1);
    assert.match(ranges[0].range!, /^bytes=\d+-$/);
    assert.ok(svc.content.has(layerOf(img)));
  });

  it('retries 429 and 503, and gives up on a persistent 500 with the registry\'s message', async () => {
    const svc = service();
    proxy.faults = [{ match: '/manifests/latest', status: 429, times: 1 }, { match: `/blobs/${layerOf(img)}`, status: 503, times: 2 }];
    await pull(svc, `${proxy.host}/f/busybox`);
    const svc2 = service();
    proxy.faults = [{ match: `/blobs/${layerOf(img)}`, status: 500 }];
    await assert.rejects(pull(svc2, `${proxy.host}/f/busybox`), (e: Error) => e instanceof RegistryError && /HTTP 500: TEST: injected/.test(e.message) && e.message.includes(layerOf(img)));
    assertClean(svc2, layerOf(img));
  });

  it('waits as long as Retry-After says, and otherwise backs off exponentially', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-faults-'));
    roots.push(root);
    const svc = new ImageService(root, { registry: { hosts: { [proxy.host]: { plainHttp: true } }, backoffMs: 40, retries: 3 } });
    proxy.faults = [{ match: '/manifests/latest', status: 429, times: 1, retryAfter: '1' }];
    let t = Date.now();
    await pull(svc, `${proxy.host}/f/busybox`, { unpack: false });
    assert.ok(Date.now() - t >= 950, `retried after ${Date.now() - t} ms, before Retry-After's second`);
    proxy.faults = [{ match: '/manifests/latest', status: 503, times: 3 }];
    proxy.seen = [];
    t = Date.now();
    await pull(svc, `${proxy.host}/f/busybox`, { unpack: false });
    // Waits of at least 1, 2 and 4 times backoffMs.
    assert.ok(Date.now() - t >= 7 * 40, `three retries took only ${Date.now() - t} ms`);
    assert.equal(proxy.seen.filter((r) => r.path.endsWith('/manifests/latest')).length, 4);
  });

  it('gives up on a persistent 429, naming the URL and the registry\'s message', async () => {
    const svc = service();
    proxy.faults = [{ match: '/manifests/latest', status: 429 }];
    proxy.seen = [];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) =>
      e instanceof RegistryError && e.status === 429 && e.message === `http://${proxy.host}/v2/f/busybox/manifests/latest: HTTP 429: TEST: injected`);
    assert.equal(proxy.seen.length, 4, 'the first try and three retries');
    proxy.faults = [];
    assertClean(svc);
  });

  it('refuses a layer of an unknown media type before fetching any layer, naming image and layer', async () => {
    const svc = service();
    const odd = { ...img.manifest, layers: img.manifest.layers.map((l) => ({ ...l, mediaType: 'application/vnd.example.unknown' })) };
    proxy.faults = [{ match: '/manifests/latest', body: Buffer.from(JSON.stringify(odd)), contentType: odd.mediaType }];
    proxy.seen = [];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) =>
      e instanceof ManifestError && e.message === `${proxy.host}/f/busybox:latest layer ${layerOf(img)}: unsupported layer media type "application/vnd.example.unknown"`);
    assert.ok(!proxy.seen.some((r) => r.path.includes(layerOf(img))));
    proxy.faults = [];
    assertClean(svc, layerOf(img));
  });

  it('refuses a blob the registry sends short, keeping it out of the store; a later pull completes it', async () => {
    const svc = service();
    const blob = img.blobs.get(layerOf(img))!;
    proxy.faults = [{ match: `/blobs/${layerOf(img)}`, body: blob.subarray(0, 100_000), times: 1 }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) =>
      e instanceof SizeMismatchError && e.message.includes(`layer 1/1 (${layerOf(img)})`) && e.message.endsWith(`expected ${blob.length} bytes, got 100000 (truncated)`));
    assert.ok(!svc.content.has(layerOf(img)));
    assert.deepEqual(readdirSync(join(svc.snapshots.root, 'layers')), []);
    proxy.faults = [];
    await pull(svc, `${proxy.host}/f/busybox`);
    assert.ok(svc.content.has(layerOf(img)));
    assert.deepEqual(readdirSync(join(svc.root, 'content', 'ingest')), []);
  });

  it('reports 404 and 401 clearly', async () => {
    const svc = service();
    proxy.faults = [];
    await assert.rejects(pull(svc, `${proxy.host}/f/nope:v9`), (e: Error) => e instanceof RegistryError && e.code === 'ENOTFOUND' && /f\/nope\/manifests\/v9: HTTP 404/.test(e.message));
    proxy.faults = [{ match: '/manifests/', status: 401 }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) => e instanceof RegistryError && e.code === 'EAUTH');
    assertClean(svc);
  });

  it('refuses a manifest that is too large, of the wrong media type, or does not match its digest', async () => {
    const svc = service();
    proxy.faults = [{ match: '/manifests/latest', body: Buffer.alloc(5 << 20, 0x20) }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) => e instanceof ManifestError && /f\/busybox\/manifests\/latest: 5242880 bytes is larger than the 4194304-byte limit/.test(e.message));
    proxy.faults = [{ match: '/manifests/latest', body: Buffer.alloc(5 << 20, 0x20), chunked: true }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) => e instanceof ManifestError && /manifests\/latest: the body is larger than the 4194304-byte limit/.test(e.message));
    proxy.faults = [{ match: '/manifests/latest', body: Buffer.from('{"schemaVersion":2,"mediaType":"text/plain"}'), contentType: 'text/plain' }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox`), (e: Error) => e instanceof ManifestError && /unsupported media type "text\/plain"/.test(e.message));
    proxy.faults = [{ match: `/manifests/${img.digest}`, corruptAt: 10 }];
    await assert.rejects(pull(svc, `${proxy.host}/f/busybox@${img.digest}`), (e: Error) => e instanceof DigestMismatchError && e.message.includes(img.digest));
    proxy.faults = [];
    assertClean(svc);
  });

  it('refuses a layer that escapes through a symlink, writing nothing outside and keeping no snapshot', async () => {
    const svc = service();
    await assert.rejects(pull(svc, `${proxy.host}/f/slip`), (e: Error) => e instanceof UnsafeEntryError && /entry "up\/escaped": a symlinked parent points outside the root/.test(e.message));
    assert.deepEqual(readdirSync(join(svc.snapshots.root, 'layers')), []);
    assert.deepEqual(readdirSync(join(svc.snapshots.root, 'tmp')), []);
    assert.ok(!existsSync(join(svc.root, 'escaped')) && !existsSync(join(svc.snapshots.root, 'escaped')));
  });
});
