// The berth CLI as a user drives it: pull, images, inspect, tag, save, rmi,
// load, prune (dangling, --all); an interrupted pull that is restarted;
// interop with skopeo.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { chainIds } from '../../src/image/digest.ts';
import { importLayout } from '../../src/image/layout.ts';
import { resolveImage } from '../../src/image/resolve.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage, pushImage, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, file } from './helpers/layers.ts';
import { startProxy, type Proxy } from './helpers/proxy.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';
import { runAsync } from './helpers/spawn.ts';

const BERTH = resolve(import.meta.dirname, '..', '..', 'bin', 'berth');
let reg: TestRegistry;
let proxy: Proxy;
let big: BuiltImage;
const tmp = mkdtempSync(join(tmpdir(), 'berth-cli-'));

function berth(root: string, args: string[]): { code: number; stdout: string; stderr: string } {
  // A run root of the test's own: rmi opens the engine (it refuses images containers use), which makes one.
  const r = spawnSync(BERTH, ['--root', root, '--run-root', join(tmp, 'run'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}


before(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.host);
  await pushImage(reg.url, 'cli/app', 'v1', await buildImage([busyboxRootfs(), [file('hello', 'world')]]));
  await pushImage(reg.url, 'cli/other', 'v1', await buildImage([busyboxRootfs(), [file('other', 'o')]]));
  await pushImage(reg.url, 'cli/third', 'v1', await buildImage([busyboxRootfs(), [file('third', '3')]]));
  // Incompressible, so the throttled transfer takes a while.
  const noise = Buffer.alloc(4 << 20);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  big = await buildImage([busyboxRootfs(), [file('noise', noise)]]);
  await pushImage(reg.url, 'cli/big', 'v1', big);
});

after(async () => {
  await proxy?.stop();
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('berth CLI', () => {
  it('pull, images, inspect, tag, save, rmi, load, prune', () => {
    const root = join(tmp, 'r1');
    const name = `${reg.host}/cli/app:v1`;
    let r = berth(root, ['pull', '-q', `${reg.host}/cli/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${name}\n`);
    r = berth(root, ['images']);
    assert.match(r.stdout, /^NAME\s+DIGEST\s+SIZE\s+CREATED\n/);
    assert.ok(r.stdout.includes(name));
    const info = JSON.parse(berth(root, ['image', 'inspect', name]).stdout);
    assert.equal(info[0].Os, 'linux');
    assert.deepEqual(info[0].Config.Cmd, ['sh']);
    assert.equal(berth(root, ['tag', name, 'example.com/other:v2']).code, 0);
    const archive = join(tmp, 'app.tar');
    r = berth(root, ['save', '-o', archive, name, 'example.com/other:v2']);
    assert.equal(r.code, 0, r.stderr);
    // skopeo reads the archive both as docker-archive and as an OCI layout tar
    const sk = spawnSync('skopeo', ['inspect', '--raw', `docker-archive:${archive}:example.com/other:v2`], { encoding: 'utf8' });
    assert.equal(sk.status, 0, sk.stderr);
    r = berth(root, ['rmi', name, 'example.com/other:v2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(berth(root, ['images', '--format', 'json']).stdout), []);
    assert.deepEqual(readdirSync(join(root, 'content', 'blobs', 'sha256')), []);
    assert.deepEqual(readdirSync(join(root, 'snapshots', 'overlay', 'layers')), []);
    r = berth(root, ['load', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Loaded image: ${name}\nLoaded image: docker.io/example.com/other:v2\n`.replace('docker.io/example.com/other', 'example.com/other'));
    assert.equal(berth(root, ['rmi', 'example.com/other:v2']).code, 0);
    r = berth(root, ['image', 'prune']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(berth(root, ['images', '--format', 'json']).stdout).length, 1);
  });

  it('image prune removes dangling images; --all removes every image no container runs on', async () => {
    const root = join(tmp, 'r5');
    const app = `${reg.host}/cli/app:v1`;
    const other = `${reg.host}/cli/other:v1`;
    for (const n of [app, other, `${reg.host}/cli/third:v1`]) assert.equal(berth(root, ['pull', '-q', n]).code, 0);
    // An image known by its digest alone, as an untagged archive loads.
    const svc = new ImageService(root);
    const third = svc.images.get(`${reg.host}/cli/third:v1`)!.target;
    await svc.images.put(third.digest, third);
    await svc.images.delete(`${reg.host}/cli/third:v1`);
    const names = (): string[] => JSON.parse(berth(root, ['images', '--format', 'json']).stdout).map((i: { name: string }) => i.name);
    const blobs = (): number => readdirSync(join(root, 'content', 'blobs', 'sha256')).length;
    const layers = (): number => readdirSync(join(root, 'snapshots', 'overlay', 'layers')).length;
    // busybox is shared: app, other and third each add one layer of their own.
    assert.equal(layers(), 4);
    let r = berth(root, ['image', 'prune']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Untagged: ${third.digest}\nremoved 3 blobs \\(\\d+ bytes\\) and 1 snapshots\n$`));
    assert.deepEqual(names(), [app, other]);
    assert.equal(layers(), 3);
    const running = await resolveImage(svc, app);
    const rootfs = join(tmp, 'r5-container');
    await svc.snapshots.mount('c1', running.chainId!, rootfs);
    try {
      r = berth(root, ['image', 'prune', '-a']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Untagged: ${other}\nremoved 3 blobs .* and 1 snapshots\n$`));
      assert.deepEqual(names(), [app]);
      assert.equal(layers(), 2);
      assert.equal(readFileSync(join(rootfs, 'hello'), 'utf8'), 'world');
    } finally {
      await svc.snapshots.unmount('c1', rootfs);
    }
    r = berth(root, ['image', 'prune', '--all', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(names(), []);
    assert.equal(blobs(), 0);
    assert.equal(layers(), 0);
  });

  it('draws progress bars on a terminal, and writes nothing of the kind when piped', async () => {
    const name = `${proxy.host}/cli/big:v1`;
    const noise = big.manifest.layers[1].digest;
    // Slowed down so that the bars are drawn several times.
    proxy.faults = [{ match: `/blobs/${noise}`, throttle: 128 << 10 }];
    // script(1) runs berth on a pseudo-terminal and copies what it drew to our pipe.
    const onTty = async (root: string, ...flags: string[]): Promise<string> => {
      const r = await runAsync('script', ['-qec', [BERTH, '--root', root, 'pull', ...flags, name].join(' '), '/dev/null']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return r.stdout;
    };
    try {
      const drawn = await onTty(join(tmp, 'r6'));
      const bars = drawn.match(new RegExp(`\x1b\\[2K${noise.slice(7, 19)}: \\[[=> ]{30}\\] [\\d.]+[kM]?B/4\\.2MB\r\n`, 'g')) ?? [];
      assert.ok(bars.length >= 2, `bars for the slow layer: ${JSON.stringify(drawn)}`);
      for (const l of big.manifest.layers) assert.ok(drawn.includes(`\x1b[2K${l.digest.slice(7, 19)}: done\r\n`));
      assert.match(drawn, /\x1b\[2A/, 'bars are redrawn in place');
      assert.ok(drawn.endsWith(`${name}: pulled ${big.digest}\r\n`));
      assert.equal(await onTty(join(tmp, 'r7'), '-q'), `${name}\r\n`);
      const piped = await runAsync(BERTH, ['--root', join(tmp, 'r8'), 'pull', name]);
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stderr, '');
      assert.equal(piped.stdout, `${name}: pulled ${big.digest}\n`);
    } finally {
      proxy.faults = [];
    }
  });

  it('fails with a clear message and a non-zero status on bad input', () => {
    const root = join(tmp, 'r2');
    let r = berth(root, ['pull', 'UPPER/case']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'berth: invalid reference "UPPER/case": repository name must be lowercase\n');
    r = berth(root, ['pull', `${reg.host}/cli/missing:v1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cli\/missing\/manifests\/v1: HTTP 404: MANIFEST_UNKNOWN/);
    r = berth(root, ['image', 'inspect', 'nothing:here']);
    assert.match(r.stderr, /image "nothing:here" not found/);
    r = berth(root, ['--max-layer-size', 'lots', 'pull', `${reg.host}/cli/app:v1`]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'berth: --max-layer-size: expected a size in bytes (with an optional k, m or g), got "lots"\n');
    r = berth(root, ['--max-layer-size', '100k', 'pull', '-q', `${reg.host}/cli/app:v1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: .*cli\/app:v1 layer 1\/2 \(sha256:[0-9a-f]{64}\): .*past 102400 bytes \(the maxLayerSize limit; raise it if this content is expected\)\n$/);
    assert.deepEqual(readdirSync(join(root, 'snapshots', 'overlay', 'tmp')), []);
  });

  it('resumes a pull killed midway: nothing half-done is kept, the rerun fetches only the rest', async () => {
    const root = join(tmp, 'r3');
    const layer = big.manifest.layers[1];
    proxy.faults = [{ match: `/blobs/${layer.digest}`, throttle: 64 << 10 }];
    proxy.bytesSent.clear();
    const child = spawn(BERTH, ['--root', root, 'pull', '-q', `${proxy.host}/cli/big:v1`], { stdio: 'ignore' });
    while ((proxy.bytesSent.get(`/blobs/${layer.digest}`) ?? 0) < 1 << 20) await sleep(20);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(!existsSync(join(root, 'content', 'blobs', 'sha256', layer.digest.slice(7))), 'partial blob kept as a blob');
    const chain = chainIds(big.config.rootfs.diff_ids);
    assert.ok(!existsSync(join(root, 'snapshots', 'overlay', 'layers', chain[1].slice(7))), 'half-unpacked layer committed');
    // What the killed pull left: the partial download, to resume, and its half-unpacked tree, to remove.
    assert.deepEqual(readdirSync(join(root, 'content', 'ingest')), [`sha256-${layer.digest.slice(7)}`]);
    assert.ok(readdirSync(join(root, 'snapshots', 'overlay', 'tmp')).some((t) => t.startsWith(`${child.pid}-`)));
    proxy.faults = [];
    proxy.seen = [];
    // Asynchronously: the proxy lives in this process and must keep serving.
    const rerun = spawn(BERTH, ['--root', root, 'pull', '-q', `${proxy.host}/cli/big:v1`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    rerun.stderr.on('data', (d) => (stderr += d));
    assert.equal(await new Promise((r) => rerun.once('exit', r)), 0, stderr);
    const resumed = proxy.seen.find((s) => s.path.includes(layer.digest));
    assert.match(resumed?.range ?? '', /^bytes=[1-9]\d*-$/);
    assert.deepEqual(readdirSync(join(root, 'content', 'ingest')), []);
    assert.deepEqual(readdirSync(join(root, 'snapshots', 'overlay', 'tmp')), []);
    assert.equal(readdirSync(join(root, 'snapshots', 'overlay', 'layers')).length, 2);
  });

  it('imports an OCI layout written by skopeo', async () => {
    const layout = join(tmp, 'skopeo-layout');
    const sk = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/cli/app:v1`, `oci:${layout}:v1`], { encoding: 'utf8' });
    assert.equal(sk.status, 0, sk.stderr);
    const svc = new ImageService(join(tmp, 'r4'));
    assert.deepEqual(await importLayout(svc, layout, { name: 'example.com/imported' }), ['example.com/imported:v1']);
  });
});
