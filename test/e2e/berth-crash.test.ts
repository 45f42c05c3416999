// Crash safety and concurrency through the berth CLI: a berth SIGKILLed at
// named points of create, start and rm (BERTH_FAILPOINT), after which the
// next command repairs the store; a monitor SIGKILLed under a running
// container; many berth commands at once on one store.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { awaitStoreIdle, engineHooks, type EngineImages, type TestEngine } from '../helpers/engine.ts';
import { berthAsync, inspectOf, killMonitor, runtimeRecord, storeLeftovers } from '../helpers/engine-state.ts';

let images: EngineImages;
let e: TestEngine;
engineHooks((f) => ({ images, e } = f));

const KILLED = 128 + 9;

/** Runs a berth that kills itself at point; then lets exit commands it set off finish (a command
 * that finds a container's lock held leaves that container to its holder, by design). */
async function crashAt(point: string, args: string[]): Promise<void> {
  const r = await berthAsync(e, args, { ...process.env, BERTH_FAILPOINT: point });
  assert.equal(r.code, KILLED, `${point}: ${r.code} ${r.stderr}`);
  awaitStoreIdle(e.root);
}

function ok(args: string[]): string {
  const r = e.berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('berth killed midway', () => {
  for (const point of ['create-after-insert', 'create-after-snapshot', 'create-after-mount', 'create-after-bundle']) {
    it(`at ${point}: the next command discards the half-made container and frees its name`, async () => {
      await crashAt(point, ['create', '--name', 'crash-create', images.busybox, 'true']);
      // The next command (any) reconciles: no row, snapshot, mount or directory is left.
      assert.deepEqual(storeLeftovers(e), []);
      const id = ok(['create', '--name', 'crash-create', images.busybox, 'true']);
      ok(['rm', id]);
      assert.deepEqual(storeLeftovers(e), []);
    });
  }

  it('at start-after-create: the runtime container and its monitor are undone, the container can be started', async () => {
    const id = ok(['create', images.busybox, 'sleep', '1000']);
    await crashAt('start-after-create', ['start', id]);
    const monitor = runtimeRecord(e, id).monitor!.pid;
    assert.equal(inspectOf(e, id).State.Status, 'created');
    assert.deepEqual(storeLeftovers(e).filter((l) => /^(monitors|runtime)\//.test(l)), []);
    assert.ok(!isAlive(monitor), 'the monitor still runs');
    ok(['start', id]);
    assert.equal(inspectOf(e, id).State.Status, 'running');
    ok(['rm', '-f', id]);
    assert.deepEqual(storeLeftovers(e), []);
  });

  it('at start-after-start: the started container is adopted as running, and its exit recorded', async () => {
    const id = ok(['create', images.busybox, 'sleep', '1000']);
    await crashAt('start-after-start', ['start', id]);
    const s = inspectOf(e, id);
    assert.equal(s.State.Status, 'running');
    assert.ok(readFileSync(`/proc/${s.State.Pid}/cmdline`, 'utf8').startsWith('sleep'));
    ok(['stop', '-t', '1', id]);
    assert.equal(inspectOf(e, id).State.Status, 'exited');
    ok(['rm', id]);
    assert.deepEqual(storeLeftovers(e), []);
  });

  for (const point of ['rm-after-mark', 'discard-after-runtime', 'discard-after-unmount', 'discard-after-snapshot']) {
    it(`at ${point}: the next command finishes the removal of a running container`, async () => {
      const id = ok(['run', '-d', images.busybox, 'sleep', '1000']);
      const pid = inspectOf(e, id).State.Pid;
      await crashAt(point, ['rm', '-f', id]);
      assert.deepEqual(storeLeftovers(e), []);
      assert.ok(!isAlive(pid), 'the container still runs');
      awaitStoreIdle(e.root);
    });
  }
});

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

describe('a monitor killed with SIGKILL', () => {
  it('leaves its container running, and the exit that follows is reported as lost, never the container', () => {
    const id = ok(['run', '-d', '--name', 'orphan', images.busybox, 'sleep', '1000']);
    const init = runtimeRecord(e, id).pid;
    killMonitor(e, id);
    assert.match(ok(['ps', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Up /);
    assert.equal(inspectOf(e, id).State.Running, true);
    assert.ok(isAlive(init));
    process.kill(init, 'SIGKILL');
    assert.match(ok(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Exited \(255\)/);
    const s = inspectOf(e, id);
    assert.equal(s.State.Status, 'exited');
    assert.equal(s.State.ExitCode, 255);
    assert.match(s.State.Error, /lost/);
    ok(['rm', id]);
    assert.deepEqual(storeLeftovers(e), []);
  });
});

describe('many berth commands at once on one store', () => {
  it('runs 20 containers at once, all running, and removes them all at once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    const runs = await Promise.all(names.map((n) => berthAsync(e, ['run', '-d', '--name', n, images.busybox, 'sleep', '1000'])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const listed = ok(['ps', '--format', '{{.Names}} {{.State}}']).split('\n').sort();
    assert.deepEqual(listed, names.map((n) => `${n} running`).sort());
    const rms = await Promise.all(names.map((n) => berthAsync(e, ['rm', '-f', n])));
    for (const r of rms) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(storeLeftovers(e), []);
    awaitStoreIdle(e.root);
  });

  it('of many creates of one name, exactly one wins; the others fail with the conflict and leave nothing', async () => {
    const rs = await Promise.all(Array.from({ length: 10 }, () => berthAsync(e, ['create', '--name', 'contested', images.busybox, 'true'])));
    const won = rs.filter((r) => r.code === 0);
    assert.equal(won.length, 1, rs.map((r) => `${r.code} ${r.stderr}`).join('\n'));
    for (const r of rs.filter((x) => x.code !== 0)) {
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /"\/contested" is already in use/);
    }
    const id = won[0].stdout.trim();
    assert.equal(ok(['ps', '-aq', '--no-trunc']), id);
    ok(['rm', id]);
    assert.deepEqual(storeLeftovers(e), []);
  });
});
