// The monitors' cgroup (src/engine/monitor-cgroup.ts) on this host's real
// hierarchies: made once whoever asks, joined by a real container's monitor
// while the container's init stays in its own cgroups, removed without a trace.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { monitorCgroupProcs, removeMonitorCgroup } from '../../src/engine/monitor-cgroup.ts';
import { warmCgroupMoves } from '../../src/runtime/monitor.ts';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, waitFor } from '../helpers/runts.ts';

// A name of the test's own: a host's real /berth-monitors may hold monitors.
const PATH = `/berth-monitors-test-${process.pid}`;
const root = mkdtempSync(join(tmpdir(), 'runts-moncg-'));
const work = mkdtempSync(join(tmpdir(), 'runts-moncg-dirs-'));
const rt = new Runtime({ root });
after(async () => {
  for (const id of rt.store.ids()) await rt.delete(id, true).catch(() => {});
  removeMonitorCgroup(PATH);
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** /proc/<pid>/cgroup: one path per hierarchy line. */
function cgroupsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean).map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1));
}

describe('monitors\' cgroup', () => {
  it('is made in every hierarchy, once however often it is asked for', () => {
    const procs = monitorCgroupProcs(PATH);
    assert.equal(procs.length, hostHierarchies().length);
    for (const p of procs) {
      assert.ok(existsSync(p), p);
      assert.equal(dirname(p).endsWith(PATH), true, p);
    }
    assert.deepEqual(monitorCgroupProcs(PATH), procs);
    assert.throws(() => monitorCgroupProcs('relative'), /not a normalized absolute cgroup path/);
    assert.throws(() => monitorCgroupProcs('/'), /not a normalized absolute cgroup path/);
  });

  it('holds the monitor, while the container\'s init is in the container\'s cgroups', async () => {
    const b = makeBundle(undefined, ['sleep', '100']);
    const id = uniqueId('moncg');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: join(work, id), cgroupProcs: monitorCgroupProcs(PATH) } });
    const mon = c.monitor!;
    const monitorCgroups = cgroupsOf(mon.pid);
    assert.ok(monitorCgroups.every((g) => g === PATH), monitorCgroups.join(' '));
    const initCgroups = cgroupsOf(c.pid);
    assert.ok(initCgroups.every((g) => g === `/runts/${id}`), initCgroups.join(' '));
    // A hierarchy still holding a process cannot go.
    assert.throws(() => removeMonitorCgroup(PATH), /EBUSY|cannot remove/);
    await rt.delete(id, true);
    assert.deepEqual(cgroupDirsOf(id), []);
    removeMonitorCgroup(PATH);
    for (const h of hostHierarchies()) assert.ok(!existsSync(join(h.mountPoint, PATH)), `${h.mountPoint}${PATH} left`);
    removeMonitorCgroup(PATH);
    b.cleanup();
  });

  it('takes the warmer, which moves itself there until told to stop, and at most 2 s', async () => {
    const procs = monitorCgroupProcs(PATH);
    const warmers = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').includes(`--warm ${procs[0]}`);
      } catch {
        return false;
      }
    }).map(Number);
    const stop = warmCgroupMoves(procs);
    await waitFor(() => warmers().length === 1, 5000);
    const [pid] = warmers();
    await waitFor(() => cgroupsOf(pid).every((g) => g === PATH), 5000);
    const t = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    stop();
    await waitFor(() => warmers().length === 0, 5000);
    assert.ok(Date.now() - t < 2000, 'the warmer outlived its stop');
    stop();
    // Left alone, it goes by itself.
    warmCgroupMoves(procs);
    await waitFor(() => warmers().length === 1, 5000);
    await waitFor(() => warmers().length === 0, 5000);
    removeMonitorCgroup(PATH);
  });
});

