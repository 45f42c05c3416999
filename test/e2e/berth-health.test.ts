// Health checks through the berth CLI: --health-* and the image's
// HEALTHCHECK, probes run inside the container by `berth healthcheck run`
// (what the monitor's timer runs), the status moving from starting to
// unhealthy and healthy as Docker's does, its log, output limit and
// timeout, ps's and inspect's view, and the health_status events.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Berth } from '../../src/engine/berth.ts';
import { type EngineImages, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';
import { inspectOf, storeLeftovers } from '../helpers/engine-state.ts';
import { waitFor } from '../helpers/runts.ts';

let images: EngineImages;
let e: TestEngine;
let probeDir: string;
const healthyImage = () => `${images.registry.host}/test/healthy:latest`;
before(async () => {
  images = await startImages([{ repo: 'test/healthy', layers: [], config: { Cmd: ['sleep', '1000'], Healthcheck: { Test: ['CMD', '/bin/test', '-f', '/etc/passwd'], Interval: 3600e9, Retries: 1 } } }]);
  e = testEngine(images.registry.host);
  probeDir = mkdtempSync(join(tmpdir(), 'berth-probe-'));
});
after(async () => {
  e?.cleanup();
  await images?.stop();
  rmSync(probeDir, { recursive: true, force: true });
});

function ok(args: string[]): string {
  const r = e.berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function check(id: string): { code: number; out: string } {
  const r = e.berth(['healthcheck', 'run', id]);
  return { code: r.code, out: r.stdout.trim() + r.stderr.trim() };
}

function psStatus(id: string): string {
  return ok(['ps', '--filter', `id=${id}`, '--format', '{{.Status}}']);
}

describe('berth health checks', () => {
  it('moves from starting to unhealthy after the retries, then to healthy, with ps, inspect and events telling', async () => {
    // Interval an hour: the probes here are the test's own.
    const id = ok(['run', '-d', '-v', `${probeDir}:/probe`, '--health-cmd', 'echo probing; test -f /probe/ok', '--health-retries', '2', '--health-interval', '1h', images.busybox, 'sleep', '1000']);
    assert.equal(inspectOf(e, id).State.Health?.Status, 'starting');
    assert.match(psStatus(id), /^Up .* \(health: starting\)$/);

    assert.deepEqual(check(id), { code: 1, out: 'starting' });
    assert.equal(inspectOf(e, id).State.Health?.FailingStreak, 1);
    assert.deepEqual(check(id), { code: 1, out: 'unhealthy' });
    let h = inspectOf(e, id).State.Health!;
    assert.equal(h.Status, 'unhealthy');
    assert.equal(h.FailingStreak, 2);
    assert.deepEqual(h.Log.map((l) => [l.ExitCode, l.Output]), [[1, 'probing\n'], [1, 'probing\n']]);
    assert.match(psStatus(id), /\(unhealthy\)$/);

    writeFileSync(join(probeDir, 'ok'), '');
    assert.deepEqual(check(id), { code: 0, out: '' });
    h = inspectOf(e, id).State.Health!;
    assert.equal(h.Status, 'healthy');
    assert.equal(h.FailingStreak, 0);
    assert.match(psStatus(id), /\(healthy\)$/);

    const lib = new Berth({ root: e.root, runRoot: e.runRoot });
    try {
      const events = lib.ctx.events.after(0).filter((ev) => ev.actor === id && ev.action.startsWith('health_status')).map((ev) => ev.action);
      assert.deepEqual(events, ['health_status: unhealthy', 'health_status: healthy']);
    } finally {
      lib.close();
    }
    ok(['rm', '-f', id]);
    rmSync(join(probeDir, 'ok'));
  });

  it("is run by the container's monitor on its interval, with no berth command asked", async () => {
    const flag = join(probeDir, 'timer-ok');
    const id = ok(['run', '-d', '-v', `${probeDir}:/probe`, '--health-cmd', 'test -f /probe/timer-ok', '--health-interval', '200ms', '--health-retries', '2', images.busybox, 'sleep', '1000']);
    await waitFor(() => inspectOf(e, id).State.Health?.Status === 'unhealthy', 30_000);
    writeFileSync(flag, '');
    await waitFor(() => inspectOf(e, id).State.Health?.Status === 'healthy', 30_000);
    assert.match(psStatus(id), /\(healthy\)$/);
    ok(['rm', '-f', id]);
    rmSync(flag);
  });

  it('keeps the last five results, each output cut at 4096 bytes as Docker cuts it', () => {
    const id = ok(['run', '-d', '--health-cmd', 'head -c 5000 /dev/zero | tr "\\0" x', '--health-interval', '1h', images.busybox, 'sleep', '1000']);
    for (let i = 0; i < 6; i++) assert.equal(check(id).code, 0);
    const h = inspectOf(e, id).State.Health!;
    assert.equal(h.Log.length, 5);
    assert.equal(h.Log[0].Output, `${'x'.repeat(4096)}...`);
    ok(['rm', '-f', id]);
  });

  it('a probe outliving its timeout is killed and counts as a failure', () => {
    const id = ok(['run', '-d', '--health-cmd', 'sleep 30', '--health-timeout', '300ms', '--health-retries', '1', '--health-interval', '1h', images.busybox, 'sleep', '1000']);
    assert.deepEqual(check(id), { code: 1, out: 'unhealthy' });
    const last = inspectOf(e, id).State.Health!.Log.at(-1)!;
    assert.equal(last.ExitCode, -1);
    assert.equal(last.Output, 'Health check exceeded timeout (300ms)');
    ok(['rm', '-f', id]);
  });

  it('a container whose only health setting is an interval has no check to run', () => {
    const id = ok(['run', '-d', '--health-interval', '1h', '--health-retries', '1', images.busybox, 'sleep', '1000']);
    // No test of its own, and the image has none.
    assert.equal(inspectOf(e, id).State.Health, undefined);
    const r = check(id);
    assert.equal(r.code, 1);
    assert.match(r.out, /has no health check/);
    ok(['rm', '-f', id]);
  });

  it('a probe that cannot be started is a failure with the reason (through the library)', async () => {
    const lib = new Berth({ root: e.root, runRoot: e.runRoot, images: { registry: { hosts: { [images.registry.host]: { plainHttp: true } } } } });
    try {
      const id = await lib.run({ image: images.busybox, cmd: ['sleep', '1000'], health: { test: ['CMD', '/no/such/probe'], retries: 1 } });
      const h = await lib.healthcheck(id);
      assert.equal(h.status, 'unhealthy');
      assert.equal(h.log[0].exitCode, -1);
      assert.match(h.log[0].output, /\/no\/such\/probe/);
      await lib.remove(id, { force: true });
    } finally {
      lib.close();
    }
  });

  it("runs the image's HEALTHCHECK, under the container's own settings, and --no-healthcheck turns it off", () => {
    const id = ok(['run', '-d', healthyImage()]);
    assert.deepEqual(check(id), { code: 0, out: '' });
    assert.equal(inspectOf(e, id).State.Health?.Status, 'healthy');
    const off = ok(['run', '-d', '--no-healthcheck', healthyImage()]);
    assert.equal(inspectOf(e, off).State.Health, undefined);
    assert.match(check(off).out, /has no health check/);
    const own = ok(['run', '-d', '--health-cmd', 'exit 1', healthyImage()]);
    // The image's Retries (1) with the container's test.
    assert.deepEqual(check(own), { code: 1, out: 'unhealthy' });
    ok(['rm', '-f', id, off, own]);
  });

  it('refuses bad health flags and a probe of a container that does not run, leaving nothing', () => {
    for (const [flag, value] of [['--health-retries', 'x'], ['--health-interval', 'soon'], ['--health-timeout', '-1s']]) {
      const r = e.berth(['run', '-d', '--health-cmd', 'true', flag, value, images.busybox, 'sleep', '1']);
      assert.equal(r.code, 125, `${flag} ${value}`);
      assert.match(r.stderr, new RegExp(flag));
    }
    const id = ok(['create', '--health-cmd', 'true', images.busybox, 'sleep', '1000']);
    assert.match(check(id).out, /is not running/);
    ok(['rm', id]);
    assert.deepEqual(storeLeftovers(e), []);
  });
});
