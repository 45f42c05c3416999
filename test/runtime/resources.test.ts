// linux.resources as cgroup writes (cgroups/resources*.ts), planned against
// made-up cgroup directories on v1, hybrid and pure v2 hosts; the applier's
// rollback on plain files; update's merge.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/oci/errors.ts';
import type { LinuxResources } from '../../src/oci/spec.ts';
import { validateResources } from '../../src/oci/validate.ts';
import { applyWrites, CgroupWriteError, restoreValue } from '../../src/runtime/cgroups/apply.ts';
import type { Hierarchy } from '../../src/runtime/cgroups/hierarchy.ts';
import { type CgroupFacts, planResources, type Target, v2ControllersWanted } from '../../src/runtime/cgroups/resources.ts';
import { blkioToIoWeight, sharesToWeight, swapOnly } from '../../src/runtime/cgroups/resources-v2.ts';
import { mergeResources } from '../../src/runtime/cgroups/update.ts';

const h = (version: 1 | 2, mountPoint: string, controllers: string[] = []): Hierarchy => ({ mountPoint, root: '/', version, controllers, current: '/' });

const V1_FILES = {
  memory: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.oom_control', 'memory.swappiness', 'memory.use_hierarchy', 'memory.usage_in_bytes'],
  cpu: ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'cpu.cfs_burst_us', 'cpu.idle', 'cpu.rt_period_us', 'cpu.rt_runtime_us'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  pids: ['pids.max'],
  // This VM's: BFQ's files, CFQ's gone.
  blkio: ['blkio.bfq.weight', 'blkio.bfq.weight_device', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device'],
};
const V2_FILES = ['cgroup.controllers', 'memory.max', 'memory.low', 'memory.swap.max', 'memory.current', 'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle', 'cpuset.cpus', 'cpuset.mems', 'pids.max', 'io.weight', 'io.max', 'hugetlb.2MB.max', 'hugetlb.2MB.rsvd.max', 'memory.oom.group'];

/** Facts from a table: dir -> file -> content. */
function facts(table: Record<string, Record<string, string>>): CgroupFacts {
  return {
    exists: (dir, file) => table[dir]?.[file] !== undefined,
    read: (dir, file) => table[dir]?.[file],
  };
}
const filesOf = (names: string[], content: Record<string, string> = {}) => Object.fromEntries(names.map((n) => [n, content[n] ?? '0\n']));

// A v1 host as this VM (memory, cpu, cpuset, pids, blkio as v1; hugetlb on the unified mount).
const HYBRID: Target[] = [
  { dir: '/cg/memory/c', hierarchy: h(1, '/cg/memory', ['memory']) },
  { dir: '/cg/cpu/c', hierarchy: h(1, '/cg/cpu', ['cpu']) },
  { dir: '/cg/cpuset/c', hierarchy: h(1, '/cg/cpuset', ['cpuset']) },
  { dir: '/cg/pids/c', hierarchy: h(1, '/cg/pids', ['pids']) },
  { dir: '/cg/blkio/c', hierarchy: h(1, '/cg/blkio', ['blkio']) },
  { dir: '/cg/unified/c', hierarchy: h(2, '/cg/unified') },
];
const hybridFacts = (memory: Record<string, string> = {}) =>
  facts({
    '/cg/memory/c': filesOf(V1_FILES.memory, { 'memory.limit_in_bytes': '9223372036854771712\n', ...memory }),
    '/cg/cpu/c': filesOf(V1_FILES.cpu),
    '/cg/cpuset/c': filesOf(V1_FILES.cpuset),
    '/cg/pids/c': filesOf(V1_FILES.pids),
    '/cg/blkio/c': filesOf(V1_FILES.blkio),
    '/cg/unified/c': { 'cgroup.controllers': 'hugetlb\n', 'hugetlb.2MB.max': 'max\n' },
  });
const V1_ONLY = HYBRID.slice(0, 5);

const V2: Target[] = [{ dir: '/cg/c', hierarchy: h(2, '/cg') }];
const v2Facts = (content: Record<string, string> = {}, files = V2_FILES) =>
  facts({ '/cg/c': filesOf(files, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n', ...content }) });

const writes = (r: LinuxResources, targets: Target[], f: CgroupFacts, update = false) =>
  planResources(r, targets, f, { update }).writes.map((w) => `${w.dir}/${w.file}=${w.value} <${w.field.replace('linux.resources.', '')}>`);

const refusal = (fn: () => unknown, field: string, why: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.field === field && why.test(e.message));

describe('resources on cgroup v1 (and a hybrid host)', () => {
  it('writes every field to its v1 file, in runc\'s order', () => {
    const r: LinuxResources = {
      memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 10, disableOOMKiller: true, useHierarchy: true },
      cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, idle: 0, cpus: '0-1', mems: '0' },
      pids: { limit: 20 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 100 }] },
    };
    assert.deepEqual(writes(r, HYBRID, hybridFacts()), [
      // Memory first: the current limit (unlimited) is above the new memory+swap.
      `/cg/memory/c/memory.limit_in_bytes=${64 << 20} <memory.limit>`,
      `/cg/memory/c/memory.memsw.limit_in_bytes=${128 << 20} <memory.swap>`,
      `/cg/memory/c/memory.soft_limit_in_bytes=${32 << 20} <memory.reservation>`,
      '/cg/memory/c/memory.oom_control=1 <memory.disableOOMKiller>',
      '/cg/memory/c/memory.swappiness=10 <memory.swappiness>',
      '/cg/memory/c/memory.use_hierarchy=1 <memory.useHierarchy>',
      '/cg/cpu/c/cpu.shares=512 <cpu.shares>',
      '/cg/cpu/c/cpu.cfs_period_us=100000 <cpu.period>',
      '/cg/cpu/c/cpu.cfs_burst_us=1000 <cpu.burst>',
      '/cg/cpu/c/cpu.cfs_quota_us=50000 <cpu.quota>',
      '/cg/cpu/c/cpu.idle=0 <cpu.idle>',
      '/cg/cpuset/c/cpuset.cpus=0-1 <cpu.cpus>',
      '/cg/cpuset/c/cpuset.mems=0 <cpu.mems>',
      '/cg/pids/c/pids.max=20 <pids.limit>',
      '/cg/blkio/c/blkio.bfq.weight=300 <blockIO.weight>',
      '/cg/blkio/c/blkio.throttle.read_bps_device=254:0 1048576 <blockIO.throttleReadBpsDevice[0]>',
      '/cg/blkio/c/blkio.throttle.write_iops_device=254:0 100 <blockIO.throttleWriteIOPSDevice[0]>',
    ]);
  });

  it('raises memory+swap first when it grows past the current limit; -1 frees swap too', () => {
    const raising = writes({ memory: { limit: 100 << 20, swap: 200 << 20 } }, V1_ONLY, hybridFacts({ 'memory.limit_in_bytes': `${64 << 20}\n` }));
    assert.deepEqual(raising.map((l) => l.split('=')[0]), ['/cg/memory/c/memory.memsw.limit_in_bytes', '/cg/memory/c/memory.limit_in_bytes']);
    assert.deepEqual(writes({ memory: { limit: -1 } }, V1_ONLY, hybridFacts()), [
      '/cg/memory/c/memory.memsw.limit_in_bytes=-1 <memory.swap>',
      '/cg/memory/c/memory.limit_in_bytes=-1 <memory.limit>',
    ]);
  });

  it('a pids limit of 0 or -1 is no limit (runc 1.2, 1.3; Podman writes 0 for unlimited)', () => {
    for (const limit of [0, -1]) assert.deepEqual(writes({ pids: { limit } }, V1_ONLY, hybridFacts()), ['/cg/pids/c/pids.max=max <pids.limit>']);
  });

  it('marks a period (and a burst) to be written again after its quota when the kernel refuses it first', () => {
    const plan = planResources({ cpu: { quota: 20000, period: 50000 } }, V1_ONLY, hybridFacts());
    assert.deepEqual(plan.writes.map((w) => [w.file, !!w.retryLater]), [['cpu.cfs_period_us', true], ['cpu.cfs_quota_us', false]]);
  });

  it('hugetlb goes to the unified cgroup of a hybrid host, which has it', () => {
    assert.deepEqual(writes({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 21 }] }, HYBRID, hybridFacts()), [`/cg/unified/c/hugetlb.2MB.max=${4 << 21} <hugepageLimits[0].limit>`]);
    assert.deepEqual(v2ControllersWanted({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }], memory: { limit: 1 } }, HYBRID.map((t) => t.hierarchy), ['hugetlb']), ['hugetlb']);
    assert.deepEqual(v2ControllersWanted({ memory: { limit: 1 } }, HYBRID.map((t) => t.hierarchy), ['hugetlb']), []);
  });

  it('refuses by name what the host lacks: a controller, a knob the kernel dropped, v2 keys', () => {
    const f = hybridFacts();
    refusal(() => planResources({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, V1_ONLY, f), 'linux.resources.hugepageLimits', /no hugetlb controller/);
    refusal(() => planResources({ hugepageLimits: [{ pageSize: '16GB', limit: 1 }] }, HYBRID, f), 'linux.resources.hugepageLimits[0].pageSize', /no 16GB huge pages/);
    refusal(() => planResources({ rdma: { mlx5_0: { hcaHandles: 1 } } }, HYBRID, f), 'linux.resources.rdma', /no rdma controller/);
    refusal(() => planResources({ network: { classID: 0x100001 } }, HYBRID, f), 'linux.resources.network.classID', /no net_cls controller/);
    refusal(() => planResources({ network: { priorities: [{ name: 'eth0', priority: 1 }] } }, HYBRID, f), 'linux.resources.network.priorities', /no net_prio controller/);
    refusal(() => planResources({ blockIO: { leafWeight: 100 } }, HYBRID, f), 'linux.resources.blockIO.leafWeight', /went with the CFQ scheduler/);
    refusal(() => planResources({ unified: { 'memory.high': '1G' } }, HYBRID, f), 'linux.resources.unified', /need a pure cgroup v2 host/);
    refusal(() => planResources({ cpu: { realtimeRuntime: 1000 } }, V1_ONLY, facts({ '/cg/cpu/c': filesOf(['cpu.shares']) })), 'linux.resources.cpu.realtimeRuntime', /no cpu\.rt_runtime_us/);
    refusal(() => planResources({ memory: { swap: 1 << 30 } }, V1_ONLY, facts({ '/cg/memory/c': filesOf(['memory.limit_in_bytes']) })), 'linux.resources.memory.swap', /does not account swap/);
    // No cgroups at all (rootless): a limit cannot be had.
    refusal(() => planResources({ pids: { limit: 10 } }, [], f), 'linux.resources.pids.limit', /has no cgroups/);
    // What asks for nothing needs nothing.
    assert.deepEqual(planResources({ memory: { limit: 0, disableOOMKiller: false }, network: {}, rdma: {}, hugepageLimits: [] }, [], f).writes, []);
  });

  it('names the field and file that the kernel refused: useHierarchy=false carries why', () => {
    const w = planResources({ memory: { useHierarchy: false } }, V1_ONLY, hybridFacts()).writes[0];
    assert.equal(w.field, 'linux.resources.memory.useHierarchy');
    assert.match(new CgroupWriteError(w, Object.assign(new Error('x'), { code: 'EINVAL' })).message,
      /^linux\.resources\.memory\.useHierarchy: cannot write "0" to \/cg\/memory\/c\/memory\.use_hierarchy: EINVAL \(since Linux 5\.11 every memory cgroup is hierarchical\)$/);
  });

  it('checkBeforeUpdate refuses, on update, a limit at or below the usage', () => {
    const f = hybridFacts({ 'memory.usage_in_bytes': `${50 << 20}\n` });
    const r = { memory: { limit: 40 << 20, checkBeforeUpdate: true } };
    refusal(() => planResources(r, V1_ONLY, f, { update: true }), 'linux.resources.memory.limit', /not above the current usage 52428800/);
    assert.equal(planResources(r, V1_ONLY, f).writes.length, 1);
    assert.equal(planResources({ memory: { limit: 60 << 20, checkBeforeUpdate: true } }, V1_ONLY, f, { update: true }).writes.length, 1);
  });
});

describe('resources on pure cgroup v2', () => {
  it('converts as runc and crun: -1 is max, swap alone, shares to weight, blkio weight to io.weight', () => {
    const r: LinuxResources = {
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: -1 },
      cpu: { shares: 1024, quota: 50000, burst: 0, cpus: '0', idle: 1 },
      pids: { limit: -1 },
      blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 << 20 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }],
      unified: { 'memory.oom.group': '1' },
    };
    assert.deepEqual(writes(r, V2, v2Facts()), [
      `/cg/c/memory.swap.max=${32 << 20} <memory.swap>`,
      `/cg/c/memory.max=${64 << 20} <memory.limit>`,
      '/cg/c/memory.low=max <memory.reservation>',
      '/cg/c/cpu.idle=1 <cpu.idle>',
      '/cg/c/cpu.weight=100 <cpu.shares>',
      '/cg/c/cpu.max.burst=0 <cpu.burst>',
      '/cg/c/cpu.max=50000 100000 <cpu.quota>',
      '/cg/c/cpuset.cpus=0 <cpu.cpus>',
      '/cg/c/pids.max=max <pids.limit>',
      '/cg/c/io.weight=4950 <blockIO.weight>',
      '/cg/c/io.weight=8:0 10000 <blockIO.weightDevice[0].weight>',
      `/cg/c/io.max=8:0 rbps=${1 << 20} <blockIO.throttleReadBpsDevice[0]>`,
      '/cg/c/io.max=8:0 wbps=max <blockIO.throttleWriteBpsDevice[0]>',
      `/cg/c/hugetlb.2MB.max=${1 << 21} <hugepageLimits[0].limit>`,
      `/cg/c/hugetlb.2MB.rsvd.max=${1 << 21} <hugepageLimits[0].limit>`,
      '/cg/c/memory.oom.group=1 <unified.memory.oom.group>',
    ]);
  });

  it('maps shares on the log-quadratic curve (1024 near 100) and blkio weights linearly', () => {
    assert.deepEqual([0, 2, 1024, 262144, 512, 2048, 100].map(sharesToWeight), [0, 1, 100, 10000, 59, 174, 17]);
    assert.deepEqual([10, 100, 500, 1000].map(blkioToIoWeight), [1, 910, 4950, 10000]);
    assert.equal(swapOnly(-1, 0), -1);
    assert.equal(swapOnly(100, 100), 0);
    assert.equal(swapOnly(100, -1), -1);
    assert.equal(swapOnly(100, 0), undefined);
    assert.throws(() => swapOnly(0, 100), /needs a memory limit/);
  });

  it('a blkio weight goes to BFQ\'s io.bfq.weight as it is where the kernel has it; a period alone keeps quota max', () => {
    const f = v2Facts({}, [...V2_FILES, 'io.bfq.weight']);
    assert.deepEqual(writes({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 20 }] }, cpu: { period: 50000 } }, V2, f), [
      '/cg/c/cpu.max=max 50000 <cpu.period>',
      '/cg/c/io.bfq.weight=500 <blockIO.weight>',
      '/cg/c/io.bfq.weight=8:0 20 <blockIO.weightDevice[0].weight>',
    ]);
  });

  it('refuses what v2 has no file for, and a controller the parents did not hand down', () => {
    const f = v2Facts();
    refusal(() => planResources({ memory: { swappiness: 60 } }, V2, f), 'linux.resources.memory.swappiness', /no per-cgroup swappiness/);
    refusal(() => planResources({ memory: { disableOOMKiller: true } }, V2, f), 'linux.resources.memory.disableOOMKiller', /cannot turn the OOM killer off/);
    refusal(() => planResources({ memory: { useHierarchy: false } }, V2, f), 'linux.resources.memory.useHierarchy', /hierarchical/);
    refusal(() => planResources({ memory: { swap: 1 << 20 } }, V2, f), 'linux.resources.memory.swap', /needs a memory limit/);
    refusal(() => planResources({ cpu: { realtimePeriod: 1000 } }, V2, f), 'linux.resources.cpu.realtimePeriod', /no realtime/);
    refusal(() => planResources({ blockIO: { leafWeight: 100 } }, V2, f), 'linux.resources.blockIO.leafWeight', /CFQ/);
    refusal(() => planResources({ network: { classID: 1 } }, V2, f), 'linux.resources.network.classID', /cgroup v2 has no net_cls controller/);
    refusal(() => planResources({ unified: { 'misc.max': 'x 1' } }, V2, f), 'linux.resources.unified.misc.max', /misc controller is not available/);
    refusal(() => planResources({ unified: { 'memory.nonexistent': '1' } }, V2, f), 'linux.resources.unified.memory.nonexistent', /has no file/);
    const noMemory = v2Facts({ 'cgroup.controllers': 'cpu pids\n' });
    refusal(() => planResources({ memory: { limit: 1 << 20 } }, V2, noMemory), 'linux.resources.memory.limit', /memory controller is not available to \/cg\/c/);
    refusal(() => planResources({ memory: { limit: 10, checkBeforeUpdate: true } }, V2, v2Facts({ 'memory.current': '4096\n' }), { update: true }), 'linux.resources.memory.limit', /usage 4096/);
  });

  it('a pure v2 host hands every offered controller down; a v1 one none', () => {
    assert.deepEqual(v2ControllersWanted(undefined, [h(2, '/cg')], ['cpu', 'memory']), ['cpu', 'memory']);
    assert.deepEqual(v2ControllersWanted({ pids: { limit: 1 } }, [h(1, '/cg/pids', ['pids'])], []), []);
  });
});

describe('resources validation', () => {
  it('names the field of a negative or out-of-range number', () => {
    const bad: [string, LinuxResources][] = [
      ['linux.resources.memory.limit', { memory: { limit: -2 } }],
      ['linux.resources.memory.swappiness', { memory: { swappiness: 101 } }],
      ['linux.resources.memory.swap', { memory: { limit: 100, swap: 50 } }],
      ['linux.resources.cpu.shares', { cpu: { shares: 1 } }],
      ['linux.resources.cpu.shares', { cpu: { shares: 300000 } }],
      ['linux.resources.cpu.period', { cpu: { period: -1 } }],
      ['linux.resources.cpu.idle', { cpu: { idle: 2 } }],
      ['linux.resources.cpu.cpus', { cpu: { cpus: '0-1;rm' } }],
      ['linux.resources.pids.limit', { pids: { limit: -5 } }],
      ['linux.resources.blockIO.weight', { blockIO: { weight: 5 } }],
      ['linux.resources.blockIO.throttleReadBpsDevice[0].rate', { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: -1 }] } }],
      ['linux.resources.blockIO.weightDevice[0].major', { blockIO: { weightDevice: [{ major: -1, minor: 0, weight: 10 }] } }],
      ['linux.resources.hugepageLimits[0].pageSize', { hugepageLimits: [{ pageSize: '2M', limit: 1 }] }],
      ['linux.resources.unified.../memory.max', { unified: { '../memory.max': '1' } }],
      ['linux.resources.network.priorities[0].name', { network: { priorities: [{ name: 'a/b', priority: 1 }] } }],
      ['linux.resources.memory.limit', { memory: { limit: 2 ** 63 } }],
    ];
    for (const [field, r] of bad)
      assert.throws(() => validateResources(r), (e: unknown) => e instanceof ConfigError && e.field === field, `${field}: ${JSON.stringify(r)}`);
  });
});

describe('applying writes', () => {
  it('puts back what an update had changed when a later write fails, last first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-apply-'));
    try {
      writeFileSync(join(dir, 'memory.max'), 'max\n');
      writeFileSync(join(dir, 'io.max'), '8:0 rbps=100 wbps=max riops=max wiops=max\n');
      mkdirSync(join(dir, 'pids.max'));
      const w = (file: string, value: string, extra = {}) => ({ dir, file, value, field: `f.${file}`, ...extra });
      assert.throws(
        () => applyWrites([w('memory.max', '1000'), w('io.max', '8:0 rbps=5', { key: '8:0', clear: '8:0 rbps=max' }), w('pids.max', '5')], { rollback: true }),
        (e: unknown) => e instanceof CgroupWriteError && e.field === 'f.pids.max' && e.file === join(dir, 'pids.max'),
      );
      assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), 'max');
      assert.equal(readFileSync(join(dir, 'io.max'), 'utf8'), '8:0 rbps=100 wbps=max riops=max wiops=max');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads back a value as its file takes it', () => {
    const w = (file: string, key?: string, clear?: string) => ({ dir: '/', file, value: '', field: '', key, clear });
    assert.equal(restoreValue(w('memory.oom_control'), 'oom_kill_disable 1\nunder_oom 0\noom_kill 3\n'), '1');
    assert.equal(restoreValue(w('io.weight'), 'default 100\n8:0 300\n'), '100');
    assert.equal(restoreValue(w('io.weight', '8:0', '8:0 default'), 'default 100\n8:0 300\n'), '8:0 300');
    assert.equal(restoreValue(w('blkio.throttle.read_bps_device', '8:16', '8:16 0'), '8:0 100\n'), '8:16 0');
    assert.equal(restoreValue(w('cpu.max'), 'max 100000\n'), 'max 100000');
    assert.equal(restoreValue(w('cpuset.cpus'), '\n'), '');
  });
});

describe('update\'s merge', () => {
  it('replaces the fields given and upserts per-device entries', () => {
    const old: LinuxResources = {
      memory: { limit: 100, swap: 200 },
      cpu: { shares: 1024, quota: 1000 },
      blockIO: { weight: 100, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }, { major: 8, minor: 16, rate: 2 }] },
      devices: [{ allow: false, access: 'rwm' }],
    };
    const merged = mergeResources(old, { memory: { limit: 150 }, blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 16, rate: 5 }, { major: 9, minor: 0, rate: 7 }] } });
    assert.deepEqual(merged, {
      memory: { limit: 150, swap: 200 },
      cpu: { shares: 1024, quota: 1000 },
      blockIO: { weight: 100, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }, { major: 8, minor: 16, rate: 5 }, { major: 9, minor: 0, rate: 7 }] },
      devices: [{ allow: false, access: 'rwm' }],
    });
  });
});
