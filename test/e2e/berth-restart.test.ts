// Restart policies through the berth CLI: on-failure's count, always after a
// clean exit, both staying down after `berth stop`, and `berth start --all`
// (the boot unit's command) bringing back what a reboot took away.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { awaitStoreIdle, engineHooks, type EngineImages, leftovers, type TestEngine } from '../helpers/engine.ts';
import { cgroupDirsOf, waitFor } from '../helpers/runts.ts';
import { inspectOf, simulateReboot } from '../helpers/engine-state.ts';

let images: EngineImages;
let e: TestEngine;
engineHooks((f) => ({ images, e } = f));

function run(args: string[]): string {
  const r = e.berth(['run', '-d', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('berth restart policies', () => {
  it('on-failure:3 restarts a container that exits 1 exactly three times, then leaves it exited 1', () => {
    const id = run(['--name', 'fail3', '--restart', 'on-failure:3', images.busybox, 'sh', '-c', 'echo ran; exit 1']);
    const w = e.berth(['wait', id]);
    assert.equal((readFileSync(join(e.root, 'containers', id, 'container.log'), 'utf8').match(/ ran$/gm) ?? []).length, 4);
    assert.equal(w.stdout.trim(), '1', w.stderr);
    const s = inspectOf(e, id);
    assert.equal(s.RestartCount, 3);
    assert.equal(s.State.Status, 'exited');
    assert.equal(s.State.ExitCode, 1);
    assert.equal(e.berth(['rm', id]).code, 0);
  });

  it('on-failure leaves a clean exit alone', () => {
    const id = run(['--restart', 'on-failure', images.busybox, 'true']);
    assert.equal(e.berth(['wait', id]).stdout.trim(), '0');
    assert.equal(inspectOf(e, id).RestartCount, 0);
    assert.equal(e.berth(['rm', id]).code, 0);
  });

  for (const policy of ['always', 'unless-stopped']) {
    it(`${policy} restarts after exit 0, and stays down after berth stop`, async () => {
      const id = run(['--restart', policy, images.busybox, 'true']);
      await waitFor(() => inspectOf(e, id).RestartCount >= 2, 20_000);
      const stop = e.berth(['stop', '-t', '1', id]);
      assert.equal(stop.code, 0, stop.stderr);
      const stopped = inspectOf(e, id);
      assert.equal(stopped.State.Status, 'exited');
      // Once no exit command of the store runs (one sleeping out a back-off among them), nothing can restart it.
      awaitStoreIdle(e.root);
      const later = inspectOf(e, id);
      assert.equal(later.State.Status, 'exited');
      assert.equal(later.RestartCount, stopped.RestartCount);
      assert.equal(e.berth(['rm', id]).code, 0);
    });
  }

  it('a running container stopped by the user stays down whatever its policy', () => {
    const ids = ['always', 'unless-stopped', 'on-failure'].map((p) => run(['--restart', p, images.busybox, 'sleep', '1000']));
    assert.equal(e.berth(['stop', '-t', '1', ...ids]).code, 0);
    for (const id of ids) assert.equal(inspectOf(e, id).State.Status, 'exited');
    awaitStoreIdle(e.root);
    for (const id of ids) {
      const s = inspectOf(e, id);
      assert.equal(s.State.Status, 'exited');
      assert.equal(s.RestartCount, 0);
    }
    assert.equal(e.berth(['rm', ...ids]).code, 0);
  });

  it('berth start --all brings back always and unless-stopped containers whose runtime state a reboot took', () => {
    const always = run(['--name', 'boot-always', '--restart', 'always', images.busybox, 'sleep', '1000']);
    const unless = run(['--name', 'boot-unless', '--restart', 'unless-stopped', images.busybox, 'sleep', '1000']);
    const none = run(['--name', 'boot-none', images.busybox, 'sleep', '1000']);
    const stopped = run(['--name', 'boot-stopped', '--restart', 'unless-stopped', images.busybox, 'sleep', '1000']);
    // Docker's rule at a daemon's start: always brings back even a container the user stopped.
    const stoppedAlways = run(['--name', 'boot-stopped-always', '--restart', 'always', images.busybox, 'sleep', '1000']);
    assert.equal(e.berth(['stop', '-t', '1', stopped, stoppedAlways]).code, 0);
    // Their exit commands reconcile the store too: they are let finish first, so that the reboot below is seen by start --all.
    awaitStoreIdle(e.root);
    for (const id of [always, unless, none]) simulateReboot(e, id);
    for (const id of [always, unless, none]) {
      assert.ok(!existsSync(join(e.runRoot, 'runtime', id)));
      assert.deepEqual(cgroupDirsOf(id), []);
    }
    const r = e.berth(['start', '--all']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of [always, unless, stoppedAlways]) {
      const s = inspectOf(e, id);
      assert.equal(s.State.Status, 'running', id);
      assert.ok(readFileSync(`/proc/${s.State.Pid}/cmdline`, 'utf8').startsWith('sleep'));
    }
    const n = inspectOf(e, none);
    assert.equal(n.State.Status, 'exited');
    assert.equal(n.State.ExitCode, 255);
    assert.match(n.State.Error, /lost/);
    assert.equal(inspectOf(e, stopped).State.Status, 'exited');
    const rm = e.berth(['rm', '-f', always, unless, none, stopped, stoppedAlways]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(leftovers(e), []);
  });
});
