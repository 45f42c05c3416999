// Hierarchy discovery and placement on v1, hybrid and pure v2 hosts, from
// mountinfo and /proc/self/cgroup text; the cgroup mount each one plans.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/oci/errors.ts';
import { MOUNT_ATTR } from '../../src/oci/linux.ts';
import { cgroupMode, type Hierarchy, hierarchiesFrom } from '../../src/runtime/cgroups/hierarchy.ts';
import { cgroupMountSources, cgroupPids, planPlacement } from '../../src/runtime/cgroups/manager.ts';
import { mountSteps } from '../../src/runtime/plan/mounts.ts';
import { Op } from '../../src/runtime/plan/ops.ts';

// A Debian 12 host booted with systemd's defaults.
const V2_MOUNTINFO = `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
25 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
28 25 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V2_CGROUP = '0::/user.slice/user-0.slice/session-1.scope\n';

const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const HYBRID_CGROUP = '4:memory:/a\n3:cpu,cpuacct:/b\n1:name=systemd:/c\n0::/d\n';

const v2 = hierarchiesFrom(V2_MOUNTINFO, V2_CGROUP);
const hybrid = hierarchiesFrom(HYBRID_MOUNTINFO, HYBRID_CGROUP);

describe('cgroup hierarchies', () => {
  it('finds the unified hierarchy alone on a pure v2 host', () => {
    assert.deepEqual(v2, [{ mountPoint: '/sys/fs/cgroup', root: '/', version: 2, controllers: [], current: '/user.slice/user-0.slice/session-1.scope' }]);
    assert.equal(cgroupMode(v2), 'v2');
  });

  it('finds v1 controllers and the unified hierarchy on a hybrid host', () => {
    assert.deepEqual(hybrid.map((h) => [h.mountPoint, h.version, h.controllers, h.current]), [
      ['/sys/fs/cgroup/cpu,cpuacct', 1, ['cpu', 'cpuacct'], '/b'],
      ['/sys/fs/cgroup/memory', 1, ['memory'], '/a'],
      ['/sys/fs/cgroup/systemd', 1, ['name=systemd'], '/c'],
      ['/sys/fs/cgroup/unified', 2, [], '/d'],
    ]);
    assert.equal(cgroupMode(hybrid), 'hybrid');
  });
});

describe('placement', () => {
  it('puts a container in /runts/<id> of the v2 tree, the whole cgroup mount', () => {
    const p = planPlacement(undefined, 'c1', v2);
    assert.deepEqual(p, { dirs: ['/sys/fs/cgroup/runts/c1'], created: [], names: [''], parents: ['/sys/fs/cgroup/runts'] });
    assert.deepEqual(cgroupMountSources(p, v2), [{ name: '', hostPath: '/sys/fs/cgroup/runts/c1', aliases: [] }]);
  });

  it('puts a container without cgroupsPath under the runtime\'s cgroup parent', () => {
    assert.deepEqual(planPlacement(undefined, 'c1', v2, '/berth/pods'), {
      dirs: ['/sys/fs/cgroup/berth/pods/c1'],
      created: [],
      names: [''],
      parents: ['/sys/fs/cgroup/berth/pods'],
    });
    // A parent of "/" is the hierarchy's root, which is nobody's to remove.
    assert.deepEqual(planPlacement(undefined, 'c1', v2, '/').parents, []);
    // cgroupsPath wins over the parent, as it does over /runts.
    assert.deepEqual(planPlacement('/x/c1', 'c1', v2, '/berth').dirs, ['/sys/fs/cgroup/x/c1']);
    assert.deepEqual(planPlacement('/x/c1', 'c1', v2, '/berth').parents, []);
    // One right under the parent shares it, so the last container to go takes it along.
    assert.deepEqual(planPlacement('/berth/c1', 'c1', v2, '/berth').parents, ['/sys/fs/cgroup/berth']);
  });

  it('resolves a relative cgroupsPath under the caller\'s cgroup and keeps an absolute one', () => {
    assert.deepEqual(planPlacement('pod/c1', 'c1', v2).dirs, ['/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope/pod/c1']);
    assert.deepEqual(planPlacement('/a/../b/c', 'c1', v2), { dirs: ['/sys/fs/cgroup/b/c'], created: [], names: [''], parents: [] });
  });

  it('places a hybrid container in every hierarchy, each under its own name', () => {
    const p = planPlacement(undefined, 'c1', hybrid);
    assert.deepEqual(p.dirs, ['cpu,cpuacct', 'memory', 'systemd', 'unified'].map((n) => `/sys/fs/cgroup/${n}/runts/c1`));
    assert.deepEqual(p.names, ['cpu,cpuacct', 'memory', 'systemd', 'unified']);
    assert.deepEqual(cgroupMountSources(p, hybrid)[0].aliases, ['cpu', 'cpuacct']);
  });

  it('refuses a cgroupsPath that is the root cgroup, which holds every other process', () => {
    for (const path of ['/', '/..', '/a/..', '../../../..'])
      assert.throws(() => planPlacement(path, 'c1', v2), (e: Error) => e instanceof ConfigError && /linux\.cgroupsPath.*root cgroup/.test(e.message), path);
  });

  it('maps paths through a mount of part of a hierarchy', () => {
    const part: Hierarchy[] = [{ mountPoint: '/sys/fs/cgroup', root: '/ctr', version: 2, controllers: [], current: '/ctr' }];
    assert.deepEqual(planPlacement(undefined, 'c1', part).dirs, ['/sys/fs/cgroup/runts/c1']);
    assert.deepEqual(planPlacement('sub', 'c1', part).dirs, ['/sys/fs/cgroup/sub']);
    assert.deepEqual(planPlacement('/ctr/x', 'c1', part).dirs, ['/sys/fs/cgroup/x']);
    assert.deepEqual(planPlacement('/ctrl/x', 'c1', part).dirs, ['/sys/fs/cgroup/ctrl/x']);
    assert.throws(() => planPlacement('/ctr', 'c1', part), /root cgroup/);
  });
});

describe('cgroup mount on pure v2', () => {
  const mount = (options: string[]) =>
    mountSteps('/r', { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options }, {
      host: { isDirectory: () => true },
      bundle: '/b',
      cgroups: cgroupMountSources(planPlacement(undefined, 'c1', v2), v2),
      sysfsAsBind: false,
    });

  it('binds the container cgroup itself, read-only when asked', () => {
    const steps = mount(['nosuid', 'noexec', 'nodev', 'relatime', 'ro']);
    assert.deepEqual(steps.map((s) => s.op), [Op.MKDIR_IN_ROOT, Op.OPEN_TREE, Op.MOUNT_SETATTR, Op.MOVE_MOUNT]);
    assert.deepEqual(steps[1].args, ['/sys/fs/cgroup/runts/c1', 1]);
    const attrs = MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC;
    assert.deepEqual(steps[2].args, [attrs, 0, 0, 0]);
    assert.equal(Number(mount(['nosuid', 'rw'])[2].args[0]) & MOUNT_ATTR.RDONLY, 0);
  });
});

describe('cgroup pids', () => {
  it('include the cgroups a container made below its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-cg-'));
    try {
      mkdirSync(join(dir, 'c1', 'sub', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'c1', 'cgroup.procs'), '10\n');
      writeFileSync(join(dir, 'c1', 'sub', 'cgroup.procs'), '11\n12\n');
      writeFileSync(join(dir, 'c1', 'sub', 'deeper', 'cgroup.procs'), '13\n');
      const pids = cgroupPids({ dirs: [join(dir, 'gone'), join(dir, 'c1')], created: [], names: [], parents: [] });
      assert.deepEqual(pids.sort(), [10, 11, 12, 13]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
