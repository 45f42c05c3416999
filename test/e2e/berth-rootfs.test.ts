// A container's root filesystem mount: a --rm container's overlay is
// volatile (no syncs: its removal skips the upper filesystem's), another's
// is not, and a --rm container's rootfs mounts again after being unmounted
// under it (as by a reboot) despite the marker a volatile mount leaves.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;

before(async () => {
  images = await startImages();
  e = testEngine(images.registry.host);
  assert.equal(e.berth(['pull', '-q', images.busybox]).code, 0);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

const rootMount = ['sh', '-c', 'grep " / / " /proc/self/mountinfo'];

describe('the rootfs mount', () => {
  it('is volatile for a --rm container only', () => {
    const rm = e.berth(['run', '--rm', images.busybox, ...rootMount]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /overlay.*volatile/);
    const kept = e.berth(['run', '--name', 'kept', images.busybox, ...rootMount]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.doesNotMatch(kept.stdout, /volatile/);
    assert.equal(e.berth(['rm', 'kept']).code, 0);
    assert.deepEqual(leftovers(e), []);
  });

  it('of a --rm container mounts again after it was unmounted under berth', () => {
    const c = e.berth(['create', '--rm', '--name', 'again', images.busybox, 'sh', '-c', 'echo x > /f; cat /f']);
    assert.equal(c.code, 0, c.stderr);
    const id = c.stdout.trim();
    assert.equal(spawnSync('umount', [join(e.root, 'containers', id, 'rootfs')]).status, 0);
    const r = e.berth(['start', '-a', 'again']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'x\n');
    assert.equal(e.berth(['ps', '-a', '-q']).stdout.trim(), '');
    assert.deepEqual(leftovers(e), []);
  });
});
