// Registry mirrors: two real registries, one the upstream and one a mirror
// (behind a recording proxy). A pull asks the mirror first and falls back to
// the upstream when the mirror lacks the image, fails, or cannot be reached.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pull } from '../../src/image/pull.ts';
import type { HostOptions } from '../../src/image/registry/client.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage, pushImage, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, file } from './helpers/layers.ts';
import { startProxy, type Proxy } from './helpers/proxy.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';
import { runAsync } from './helpers/spawn.ts';

const BERTH = resolve(import.meta.dirname, '..', '..', 'bin', 'berth');
let upstream: TestRegistry;
let mirror: TestRegistry;
let proxy: Proxy;
let onMirror: BuiltImage;
let onUpstream: BuiltImage;
/** A "mirror" that accepts connections and drops them at once, counting them. */
let dead: Server;
let deadConnections = 0;
const tmp = mkdtempSync(join(tmpdir(), 'berth-mirrors-'));
let n = 0;

function service(hosts: Record<string, HostOptions>): ImageService {
  return new ImageService(join(tmp, `r${n++}`), { snapshotter: 'overlay', registry: { hosts, backoffMs: 5, retries: 2 } });
}

before(async () => {
  [upstream, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startProxy(mirror.host);
  onMirror = await buildImage([busyboxRootfs(), [file('where', 'mirror')]]);
  onUpstream = await buildImage([busyboxRootfs(), [file('where', 'upstream')]]);
  await pushImage(mirror.url, 'library/mirrored', 'v1', onMirror);
  await pushImage(mirror.url, 'm/app', 'v1', onMirror);
  await pushImage(upstream.url, 'm/app', 'v2', onUpstream);
  dead = createServer((s) => {
    deadConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
});

after(async () => {
  closeAgents();
  await new Promise((r) => dead?.close(r));
  await proxy?.stop();
  await Promise.all([upstream, mirror].map((r) => r?.stop()));
  rmSync(tmp, { recursive: true, force: true });
});

const mirrorUrl = (): string => `http://${proxy.host}`;

const berth = (args: string[]) => runAsync(BERTH, args);

describe('registry mirrors', () => {
  it('pulls docker.io/library/x from the mirror alone (the upstream is never asked)', async () => {
    const svc = service({ 'docker.io': { mirrors: [`${mirrorUrl()}/`] } });
    proxy.seen = [];
    const r = await pull(svc, 'mirrored:v1');
    assert.equal(r.name, 'docker.io/library/mirrored:v1');
    assert.equal(r.manifest.digest, onMirror.digest);
    assert.ok(proxy.seen.some((s) => s.path === '/v2/library/mirrored/manifests/v1'));
    for (const l of onMirror.manifest.layers) assert.ok(svc.content.has(l.digest));
  });

  it('pulls another registry\'s image that only its mirror has', async () => {
    const svc = service({ [upstream.host]: { plainHttp: true, mirrors: [mirrorUrl()] } });
    const r = await pull(svc, `${upstream.host}/m/app:v1`);
    assert.equal(r.name, `${upstream.host}/m/app:v1`);
    assert.equal(r.manifest.digest, onMirror.digest);
  });

  it('falls back to the upstream when the mirror lacks the image or answers with an error', async () => {
    const svc = service({ [upstream.host]: { plainHttp: true, mirrors: [mirrorUrl()] } });
    proxy.seen = [];
    const r = await pull(svc, `${upstream.host}/m/app:v2`);
    assert.equal(r.manifest.digest, onUpstream.digest);
    assert.equal(proxy.seen[0].path, '/v2/m/app/manifests/v2', 'the mirror was asked first');
    const svc2 = service({ [upstream.host]: { plainHttp: true, mirrors: [mirrorUrl()] } });
    proxy.faults = [{ match: '/m/app/', status: 503 }];
    proxy.seen = [];
    try {
      assert.equal((await pull(svc2, `${upstream.host}/m/app:v2`)).manifest.digest, onUpstream.digest);
    } finally {
      proxy.faults = [];
    }
    assert.equal(proxy.seen.length, 4, 'one attempt at the mirror per request (manifest, config, two layers), no retries there');
  });

  it('falls back to the upstream when the mirror is down, and stops asking it', async () => {
    const down = `http://127.0.0.1:${(dead.address() as { port: number }).port}`;
    const svc = service({ [upstream.host]: { plainHttp: true, mirrors: [down] } });
    deadConnections = 0;
    const r = await pull(svc, `${upstream.host}/m/app:v2`);
    assert.equal(r.manifest.digest, onUpstream.digest);
    assert.ok(svc.snapshots.has(r.chainId!));
    // The manifest, config and two layers: four requests, one connection to the dead mirror.
    assert.equal(deadConnections, 1);
  });

  it('berth --mirror URL mirrors Docker Hub', async () => {
    const root = join(tmp, 'cli');
    // Not spawnSync: the mirror's proxy lives in this process and must keep serving.
    const r = await berth(['--root', root, '--mirror', mirrorUrl(), 'pull', '-q', 'mirrored:v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'docker.io/library/mirrored:v1\n');
    const bad = await berth(['--root', root, '--mirror', 'docker.io=ftp://x', 'pull', 'mirrored:v1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mirror: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/);
  });
});
