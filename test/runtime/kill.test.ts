// killCgroups where there is no cgroup.kill (v1, or a kernel before 5.14):
// frozen, signalled, thawed, so a fork bomb cannot outrun the kill. Real
// processes in real v1 cgroups of this host; the e2e tests cover cgroup.kill.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { killCgroups } from '../../src/runtime/cgroups/kill.ts';
import { waitFor } from '../helpers/runts.ts';

const PIDS = '/sys/fs/cgroup/pids';
const FREEZER = '/sys/fs/cgroup/freezer';
const v1 = hostHierarchies().filter((h) => h.version === 1).map((h) => h.mountPoint);
const cannot = !v1.includes(PIDS) || !v1.includes(FREEZER) ? 'needs the v1 pids and freezer controllers (a v1 or hybrid host)' : undefined;

describe('killCgroups with the freezer', { skip: cannot }, () => {
  it('kills a fork bomb in v1 cgroups: nothing is left in them', async () => {
    const work = mkdtempSync(join(tmpdir(), 'runts-kill-'));
    const bomb = join(work, 'forkbomb');
    const cc = spawnSync('cc', ['-static', '-O', '-o', bomb, join(import.meta.dirname, '..', 'helpers', 'forkbomb.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const name = `runts-kill-${process.pid}`;
    const dirs = [join(PIDS, name), join(FREEZER, name)];
    for (const d of dirs) mkdirSync(d);
    const procs = (d: string) => readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    try {
      writeFileSync(join(dirs[0], 'pids.max'), '200');
      const joins = dirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join(' && ');
      spawn('sh', ['-c', `${joins} && exec ${bomb}`], { stdio: 'ignore' }).unref();
      await waitFor(() => Number(readFileSync(join(dirs[0], 'pids.current'), 'utf8')) >= 150, 20_000);
      assert.equal(await killCgroups({ dirs, created: [], names: ['pids', 'freezer'], parents: [] }), true);
      await waitFor(() => procs(dirs[0]).length === 0 && procs(dirs[1]).length === 0, 10_000);
      assert.equal(readFileSync(join(dirs[1], 'freezer.state'), 'utf8').trim(), 'THAWED');
    } finally {
      for (const d of dirs) {
        for (let i = 0; i < 200 && existsSync(d); i++) {
          try {
            rmdirSync(d);
          } catch {
            await new Promise((r) => setTimeout(r, 10));
          }
        }
      }
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('is false for a placement with no cgroup to kill through', async () => {
    assert.equal(await killCgroups({ dirs: [], created: [], names: [], parents: [] }), false);
    assert.equal(await killCgroups({ dirs: [join(FREEZER, `runts-missing-${process.pid}`)], created: [], names: ['freezer'], parents: [] }), false);
  });
});
