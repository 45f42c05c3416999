// linux.intelRdt planned against made-up resctrl trees (cgroups/intelrdt.ts):
// which group, what is made and removed, the schemata lines and their order,
// and refusals naming the field. This host has no resctrl: the e2e tests
// assert the error a config meets here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/oci/errors.ts';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import type { IntelRdt } from '../../src/oci/spec.ts';
import { validateSpec } from '../../src/oci/validate.ts';
import { planRdt, resctrlMount } from '../../src/runtime/cgroups/intelrdt.ts';
import type { CgroupFacts } from '../../src/runtime/cgroups/resources.ts';

const R = '/sys/fs/resctrl';
/** A resctrl tree: path -> content (directories hold no content). */
function tree(files: Record<string, string>): CgroupFacts {
  return { exists: (dir, file) => `${dir}/${file}` in files, read: (dir, file) => files[`${dir}/${file}`] };
}
const HOST = { [`${R}/info/L3`]: '', [`${R}/info/MB`]: '', [`${R}/info/L3_MON`]: '', [`${R}/schemata`]: 'L3:0=7ff;1=7ff\nMB:0=100;1=100\n' };
const refusal = (fn: () => unknown, field: string, why: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.field === field && why.test(e.message));

describe('Intel RDT (resctrl)', () => {
  it('finds resctrl in mountinfo', () => {
    assert.equal(resctrlMount('40 23 0:39 / /sys/fs/resctrl rw,relatime shared:20 - resctrl resctrl rw\n'), R);
    assert.equal(resctrlMount('31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n'), undefined);
  });

  it('without closID: a group of the container\'s id, made and removed by runts, L3 then MB then schemata', () => {
    const p = planRdt({ l3CacheSchema: 'L3:0=f0;1=f', memBwSchema: 'MB:0=20', schemata: ['L2:0=3'] }, 'c1', R, tree(HOST));
    assert.deepEqual(p, { dir: `${R}/c1`, tasks: `${R}/c1/tasks`, make: [`${R}/c1`], schemata: ['L3:0=f0;1=f', 'MB:0=20', 'L2:0=3'], remove: [`${R}/c1`] });
  });

  it('with a closID: joins an existing group whose schemata match (padding aside), makes a missing one but never removes it', () => {
    const files = { ...HOST, [`${R}/gold/schemata`]: '    L3:0=00f0;1=000f\n    MB:0= 20;1=100\n' };
    assert.deepEqual(planRdt({ closID: 'gold', l3CacheSchema: 'L3:0=f0;1=f', memBwSchema: 'MB:0=20' }, 'c1', R, tree(files)), {
      dir: `${R}/gold`, tasks: `${R}/gold/tasks`, make: [], schemata: [], remove: [],
    });
    refusal(() => planRdt({ closID: 'gold', l3CacheSchema: 'L3:0=ff;1=f' }, 'c1', R, tree(files)), 'linux.intelRdt.closID', /exists with other schemata/);
    assert.deepEqual(planRdt({ closID: 'silver', schemata: ['MB:0=50'] }, 'c1', R, tree(HOST)).remove, []);
    assert.deepEqual(planRdt({ closID: 'silver', schemata: ['MB:0=50'] }, 'c1', R, tree(HOST)).make, [`${R}/silver`]);
    refusal(() => planRdt({ closID: 'silver' }, 'c1', R, tree(HOST)), 'linux.intelRdt.closID', /does not exist/);
    assert.equal(planRdt({ closID: '/' }, 'c1', R, tree(HOST)).tasks, `${R}/tasks`);
  });

  it('monitoring: a MON group of the container\'s id, joined and removed', () => {
    const p = planRdt({ enableMonitoring: true }, 'c1', R, tree(HOST));
    assert.equal(p.tasks, `${R}/c1/mon_groups/c1/tasks`);
    assert.deepEqual(p.make, [`${R}/c1`, `${R}/c1/mon_groups/c1`]);
    assert.deepEqual(p.remove, [`${R}/c1/mon_groups/c1`, `${R}/c1`]);
  });

  it('refuses by name what the host lacks', () => {
    refusal(() => planRdt({ closID: 'x' }, 'c1', undefined, tree({})), 'linux.intelRdt', /no resctrl filesystem mounted/);
    refusal(() => planRdt({ l3CacheSchema: 'L3:0=f' }, 'c1', R, tree({})), 'linux.intelRdt.l3CacheSchema', /no L3 cache allocation/);
    refusal(() => planRdt({ memBwSchema: 'MB:0=10' }, 'c1', R, tree({})), 'linux.intelRdt.memBwSchema', /no memory bandwidth allocation/);
    refusal(() => planRdt({ enableMonitoring: true }, 'c1', R, tree({})), 'linux.intelRdt.enableMonitoring', /no resctrl monitoring/);
  });

  it('validates the group name and the lines', () => {
    const cases: [IntelRdt, string][] = [
      [{ closID: '../etc' }, 'linux.intelRdt.closID'],
      [{ closID: '..' }, 'linux.intelRdt.closID'],
      [{ memBwSchema: 'L3:0=f' }, 'linux.intelRdt.memBwSchema'],
      [{ schemata: ['L3:0=f\nMB:0=1'] }, 'linux.intelRdt.schemata[0]'],
    ];
    for (const [rdt, field] of cases) {
      const spec = defaultSpec();
      spec.linux!.intelRdt = rdt;
      assert.throws(() => validateSpec(spec), (e: unknown) => e instanceof ConfigError && e.field === field, JSON.stringify(rdt));
    }
  });
});
