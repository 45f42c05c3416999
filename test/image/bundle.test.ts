// Image config -> runtime bundle, and the whole way through: pull from a
// real registry, unpack into snapshots, make a bundle, run it with runts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBundle, processArgs, removeBundle } from '../../src/image/bundle.ts';
import { pull } from '../../src/image/pull.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { ImageService } from '../../src/image/service.ts';
import { unpackLayer } from '../../src/image/unpack.ts';
import { resolveUser } from '../../src/image/user.ts';
import { buildImage, pushImage } from './helpers/images.ts';
import { busyboxRootfs, dir, file, layer, symlink } from './helpers/layers.ts';
import { startRegistry, type TestRegistry } from './helpers/registry.ts';

const RUNTS = resolve(import.meta.dirname, '..', '..', 'bin', 'runts');
let reg: TestRegistry;
const tmp = mkdtempSync(join(tmpdir(), 'berth-bundle-'));

before(async () => {
  reg = await startRegistry();
  await pushImage(reg.url, 'e2e/app', 'v1', await buildImage([busyboxRootfs(), [dir('work'), file('work/greeting', 'from the image\n')]], {
    config: {
      Entrypoint: ['sh', '-c'], Cmd: ['echo "$(id -u):$(id -g) $(pwd) $GREETING"; cat greeting'], Env: ['PATH=/bin', 'GREETING=hi'],
      WorkingDir: '/work', User: 'app', Labels: { 'org.example.l': 'v' }, StopSignal: 'SIGTERM', ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} },
    },
  }));
});

after(async () => {
  closeAgents();
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('bundle', () => {
  it('applies Docker\'s Entrypoint/Cmd override rules', () => {
    assert.deepEqual(processArgs(['ep'], ['c'], {}), ['ep', 'c']);
    assert.deepEqual(processArgs(['ep'], ['c'], { args: ['x'] }), ['ep', 'x']);
    assert.deepEqual(processArgs(['ep'], ['c'], { entrypoint: ['e2'] }), ['e2']);
    assert.deepEqual(processArgs(null, ['c'], {}), ['c']);
  });

  it('resolves users against the image\'s passwd and group, never the host\'s', async () => {
    const root = join(tmp, 'u-root');
    mkdirSync(root);
    await unpackLayer([(await layer(busyboxRootfs())).blob], { target: root, whiteouts: 'apply', what: 'layer l' });
    assert.deepEqual(resolveUser(root, 'app', 'img'), { uid: 1000, gid: 1001, additionalGids: [50], username: 'app' });
    assert.deepEqual(resolveUser(root, '1000:staff', 'img'), { uid: 1000, gid: 50, username: 'app' });
    assert.deepEqual(resolveUser(root, '4242:4343', 'img'), { uid: 4242, gid: 4343 });
    assert.throws(() => resolveUser(root, 'ghost', 'img'), /img: user "ghost" not found/);
    const evil = join(tmp, 'evil-root');
    mkdirSync(evil);
    await unpackLayer([(await layer([dir('etc'), symlink('etc/passwd', '/../../../../etc/passwd')])).blob], { target: evil, whiteouts: 'apply', what: 'layer l' });
    assert.throws(() => resolveUser(evil, 'root', 'img'), /user "root" not found/);
  });

  it('pulls, unpacks, makes a bundle and runs it with runts', async () => {
    const svc = new ImageService(join(tmp, 'store'), { registry: { hosts: { [reg.host]: { plainHttp: true } } } });
    await pull(svc, `${reg.host}/e2e/app:v1`);
    const bundle = join(tmp, 'b1');
    const id = `berth-e2e-${process.pid}`;
    const { spec } = await createBundle(svc, `${reg.host}/e2e/app:v1`, bundle, { id });
    const runRoot = mkdtempSync(join(tmpdir(), 'berth-runts-'));
    try {
      assert.equal(spec.process!.terminal, false);
      assert.deepEqual(spec.process!.user, { uid: 1000, gid: 1001, additionalGids: [50], username: 'app' });
      assert.equal(spec.annotations!['org.opencontainers.image.stopSignal'], 'SIGTERM');
      assert.equal(spec.annotations!['org.opencontainers.image.exposedPorts'], '80/tcp');
      assert.equal(spec.annotations!['org.example.l'], 'v');
      assert.ok(spec.mounts!.some((m) => m.destination === '/data' && m.type === 'bind'));
      const r = spawnSync(RUNTS, ['--root', runRoot, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '1000:1001 /work hi\nfrom the image\n');
    } finally {
      spawnSync(RUNTS, ['--root', runRoot, 'delete', '--force', id]);
      rmSync(runRoot, { recursive: true, force: true });
      await removeBundle(svc, bundle, id);
    }
    assert.ok(!existsSync(bundle));
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(bundle));
  });
});
