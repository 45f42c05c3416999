// The monitors' cgroup (src/engine/monitor-cgroup.ts) on pure v2: the one
// hierarchy holds the monitor in its cgroup and the container's init in the
// container's, and the cgroup goes without a trace.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorCgroupProcs, removeMonitorCgroup } from '../../../src/engine/monitor-cgroup.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { makeBundle, uniqueId } from '../bundle.ts';
import { CG, type Check, procsOf } from './common.ts';

const PATH = '/berth-monitors-vm';

export const monitorCgroupChecks: Check[] = [
  {
    name: 'a monitor joins the monitors\' cgroup (cgroupProcs); the container\'s init is in /runts/<id>; both go',
    run: async () => {
      const root = mkdtempSync(join(tmpdir(), 'runts-vm-moncg-'));
      const b = makeBundle(undefined, ['sleep', '600']);
      const rt = new Runtime({ root });
      const id = uniqueId('v2-moncg');
      try {
        const procs = monitorCgroupProcs(PATH);
        assert.deepEqual(procs, [join(CG, PATH, 'cgroup.procs')]);
        const c = await rt.run(id, { bundle: b.dir, monitor: { dir: join(root, 'mon'), cgroupProcs: procs } });
        assert.deepEqual(procsOf(join(CG, PATH)), [c.monitor!.pid]);
        assert.equal(readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'), `0::/runts/${id}\n`);
        await rt.delete(id, true);
        removeMonitorCgroup(PATH);
        assert.ok(!existsSync(join(CG, PATH)));
      } finally {
        await rt.delete(id, true).catch(() => {});
        removeMonitorCgroup(PATH);
        rmSync(root, { recursive: true, force: true });
        b.cleanup();
      }
    },
  },
];
