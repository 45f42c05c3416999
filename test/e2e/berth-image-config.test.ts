// The image's config becomes the container's, as Docker and image-spec's
// conversion.md say: Entrypoint and Cmd with their override rules, Env,
// WorkingDir, User (from the image's own passwd), Labels, StopSignal,
// ExposedPorts and Volumes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processArgs } from '../../src/engine/spec/build.ts';
import { dir, file } from '../image/helpers/layers.ts';
import { type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let app: string;

before(async () => {
  images = await startImages([{
    repo: 'e2e/app',
    layers: [[dir('work'), file('work/greeting', 'from the image\n')]],
    config: {
      Entrypoint: ['sh', '-c'], Cmd: ['echo "$(id -u):$(id -g):$(id -G) $(pwd) $GREETING"; cat greeting; ls -d /data'],
      Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/work', User: 'app', Labels: { 'org.example.l': 'v' },
      StopSignal: 'SIGUSR1', ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} },
    },
  }]);
  app = `${images.registry.host}/e2e/app:latest`;
  e = testEngine(images.registry.host);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

describe('image config', () => {
  it('applies Docker\'s Entrypoint/Cmd override rules', () => {
    assert.deepEqual(processArgs(['ep'], ['c'], {}), ['ep', 'c']);
    assert.deepEqual(processArgs(['ep'], ['c'], { cmd: ['x'] }), ['ep', 'x']);
    assert.deepEqual(processArgs(['ep'], ['c'], { entrypoint: ['e2'] }), ['e2']);
    assert.deepEqual(processArgs(null, ['c'], {}), ['c']);
  });

  it('runs as the image says: user and groups from its passwd, workdir, env, entrypoint and cmd, a volume', () => {
    const r = e.berth(['run', '--rm', app]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1000:1001:1001 50 /work hi\nfrom the image\n/data\n');
    assert.deepEqual(leftovers(e), []);
  });

  it('keeps labels, the stop signal and exposed ports in the bundle, and stops with the image\'s signal', () => {
    const id = e.berth(['run', '-d', '--entrypoint', 'sh', app, '-c', 'trap "exit 9" USR1; while :; do sleep 0.1; done']).stdout.trim();
    const spec = JSON.parse(readFileSync(join(e.root, 'containers', id, 'config.json'), 'utf8'));
    assert.equal(spec.annotations['org.example.l'], 'v');
    assert.equal(spec.annotations['org.opencontainers.image.stopSignal'], 'SIGUSR1');
    assert.equal(spec.annotations['org.opencontainers.image.exposedPorts'], '80/tcp');
    assert.equal(e.berth(['stop', id]).code, 0);
    assert.equal(e.berth(['wait', id]).stdout, '9\n');
    assert.equal(e.berth(['rm', id]).code, 0);
  });
});
