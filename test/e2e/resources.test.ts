// linux.resources on this hybrid host (v1 controllers, hugetlb on the unified
// mount), observed in the kernel's files and in what the limits do: a memory
// hog is OOM-killed, a fork bomb stops at pids.max, a busy loop is throttled,
// cpuset pins; update changes a running container and rolls back a failed
// change; what the host cannot apply is refused by name and leaves nothing.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LinuxResources, Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { hostCalls } from '../../src/runtime/native.ts';
import { cgroupDirsOf, RUNTS, Runts, waitFor } from '../helpers/runts.ts';

const CG = '/sys/fs/cgroup';
const read = (path: string) => readFileSync(path, 'utf8').trim();

// runts hands hugetlb down from the unified root when a config limits huge
// pages, and leaves it on, as runc does; the machine is left as found.
const UNIFIED_CONTROL = join(CG, 'unified', 'cgroup.subtree_control');
const unifiedBefore = existsSync(UNIFIED_CONTROL) ? read(UNIFIED_CONTROL).split(/\s+/).filter(Boolean) : undefined;

const runts = new Runts();
after(() => {
  runts.cleanup();
  if (!unifiedBefore) return;
  for (const c of read(UNIFIED_CONTROL).split(/\s+/).filter(Boolean))
    if (!unifiedBefore.includes(c)) writeFileSync(UNIFIED_CONTROL, `-${c}`);
});
const dirOf = (ctrl: string, id: string) => join(CG, ctrl, 'runts', id);
/** A value of a "key value" file (cpu.stat, memory.oom_control, pids.events). */
const stat = (path: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'))?.[1]);

/** The first whole block device of the host, as major:minor (vda here). */
const BLOCK = (() => {
  for (const line of readFileSync('/proc/partitions', 'utf8').split('\n').slice(2)) {
    const [major, minor, , name] = line.trim().split(/\s+/);
    if (name && existsSync(`/sys/block/${name}`)) return { major: Number(major), minor: Number(minor) };
  }
  throw new Error('no block device in /proc/partitions');
})();

function bundleWith(resources: LinuxResources, args: string[], edit?: (s: Spec) => void): Bundle {
  const b = makeBundle((s) => {
    s.linux!.resources = { ...s.linux!.resources, ...resources };
    edit?.(s);
  }, args);
  // dd allocates its block as one buffer: a memory hog in one applet.
  symlinkSync('busybox', join(b.rootfs, 'bin', 'dd'));
  return b;
}

function assertNothingLeft(id: string): void {
  assert.deepEqual(cgroupDirsOf(id), [], 'cgroups left behind');
  assert.ok(!existsSync(join(runts.root, id)), 'state left behind');
}

describe('resources at create (hybrid host)', () => {
  it('writes every field the host has into its file before the process runs; cpuset pins it', () => {
    const id = uniqueId('res');
    const b = bundleWith(
      {
        memory: { limit: 64 << 20, swap: 64 << 20, reservation: 32 << 20, swappiness: 10, disableOOMKiller: false, useHierarchy: true },
        cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, idle: 0, cpus: '1', mems: '0' },
        pids: { limit: 20 },
        blockIO: { weight: 300, throttleReadBpsDevice: [{ ...BLOCK, rate: 1 << 20 }], throttleWriteIOPSDevice: [{ ...BLOCK, rate: 100 }] },
        hugepageLimits: [{ pageSize: '2MB', limit: 4 << 21 }],
      },
      ['sh', '-c', 'grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/pids/pids.max'],
    );
    try {
      const r = runts.run(['run', '--keep', '--bundle', b.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      // The process saw them: its own cgroup (a cgroup namespace) and affinity.
      assert.equal(r.stdout, 'Cpus_allowed_list:\t1\n20\n');
      const mem = dirOf('memory', id);
      assert.equal(read(join(mem, 'memory.limit_in_bytes')), String(64 << 20));
      assert.equal(read(join(mem, 'memory.memsw.limit_in_bytes')), String(64 << 20));
      assert.equal(read(join(mem, 'memory.soft_limit_in_bytes')), String(32 << 20));
      assert.equal(read(join(mem, 'memory.swappiness')), '10');
      const cpu = dirOf('cpu', id);
      assert.deepEqual(['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.cfs_burst_us'].map((f) => read(join(cpu, f))), ['512', '50000', '100000', '1000']);
      assert.equal(read(join(dirOf('cpuset', id), 'cpuset.cpus')), '1');
      assert.equal(read(join(dirOf('pids', id), 'pids.max')), '20');
      const blkio = dirOf('blkio', id);
      assert.equal(read(join(blkio, 'blkio.bfq.weight')), '300');
      assert.equal(read(join(blkio, 'blkio.throttle.read_bps_device')), `${BLOCK.major}:${BLOCK.minor} ${1 << 20}`);
      assert.equal(read(join(blkio, 'blkio.throttle.write_iops_device')), `${BLOCK.major}:${BLOCK.minor} 100`);
      // hugetlb is no v1 controller here: the unified cgroup has it.
      assert.equal(read(join(CG, 'unified', 'runts', id, 'hugetlb.2MB.max')), String(4 << 21));
      runts.ok(['delete', id]);
      assertNothingLeft(id);
    } finally {
      b.cleanup();
    }
  });

  it('a memory hog is OOM-killed (status 137, failcnt and oom_kill counted); an exec\'d one too', async () => {
    const id = uniqueId('res');
    const b = bundleWith({ memory: { limit: 32 << 20 } }, ['sh', '-c', 'echo started; exec dd if=/dev/zero of=/dev/null bs=128M count=1']);
    try {
      const r = runts.run(['run', '--keep', '--bundle', b.dir, id]);
      assert.equal(r.code, 137, r.stderr + r.stdout);
      assert.equal(r.stdout, 'started\n');
      const mem = dirOf('memory', id);
      assert.ok(Number(read(join(mem, 'memory.failcnt'))) > 0);
      assert.ok(stat(join(mem, 'memory.oom_control'), 'oom_kill') >= 1);
      runts.ok(['delete', id]);
      assertNothingLeft(id);
      // An exec joins the same cgroups, limits and all.
      b.spec.process!.args = ['sleep', '600'];
      b.write();
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      const e = runts.run(['exec', id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1']);
      assert.equal(e.code, 137, e.stderr);
      runts.ok(['delete', '--force', id]);
      assertNothingLeft(id);
    } finally {
      b.cleanup();
    }
  });

  it('pids.max stops a fork bomb; delete --force at the limit removes every cgroup', async () => {
    const id = uniqueId('res');
    const b = bundleWith({ pids: { limit: 30 } }, ['/bin/forkbomb'], (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid')));
    try {
      const cc = spawnSync('cc', ['-static', '-O', '-o', join(b.rootfs, 'bin', 'forkbomb'), join(import.meta.dirname, '..', 'helpers', 'forkbomb.c')], { encoding: 'utf8' });
      assert.equal(cc.status, 0, cc.stderr);
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      const pids = dirOf('pids', id);
      await waitFor(() => stat(join(pids, 'pids.events'), 'max') > 0, 20_000);
      assert.equal(Number(read(join(pids, 'pids.current'))), 30);
      runts.ok(['delete', '--force', id]);
      assertNothingLeft(id);
    } finally {
      b.cleanup();
    }
  });

  it('a cpu quota throttles a busy loop; delete --force of it frozen removes every cgroup', async () => {
    const id = uniqueId('res');
    const b = bundleWith({ cpu: { quota: 10000, period: 100000 } }, ['sh', '-c', 'while :; do :; done']);
    try {
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      const cpu = dirOf('cpu', id);
      const usage = () => Number(read(join(dirOf('cpuacct', id), 'cpuacct.usage')));
      const [u0, t0] = [usage(), process.hrtime.bigint()];
      await waitFor(() => stat(join(cpu, 'cpu.stat'), 'nr_throttled') >= 5, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      const used = (usage() - u0) / Number(process.hrtime.bigint() - t0);
      // 10% of a CPU, with room for a busy host's accounting.
      assert.ok(used < 0.3, `the loop used ${used.toFixed(2)} of a CPU under a 10% quota`);
      runts.ok(['pause', id]);
      runts.ok(['delete', '--force', id]);
      assertNothingLeft(id);
    } finally {
      b.cleanup();
    }
  });

  it('limits hold for a pod: containers under a parent cgroup with a limit of its own', async () => {
    const pod = `runts-pod-${process.pid}`;
    const parent = join(CG, 'memory', pod);
    mkdirSync(parent);
    const b = bundleWith({ pids: { limit: 10 } }, ['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=128M count=1'], (s) => (s.linux!.cgroupsPath = `/${pod}/c1`));
    try {
      writeFileSync(join(parent, 'memory.limit_in_bytes'), String(32 << 20));
      const id = uniqueId('res');
      const r = runts.run(['run', '--bundle', b.dir, id]);
      assert.equal(r.code, 137, r.stderr);
      // The parent's limit is the one hit.
      assert.ok(Number(read(join(parent, 'memory.failcnt'))) > 0);
      assert.deepEqual(readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()), []);
      assertNothingLeft(id);
    } finally {
      b.cleanup();
      for (const h of ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio', 'devices', 'freezer', 'systemd', 'unified'])
        if (existsSync(join(CG, h, pod))) rmdirSync(join(CG, h, pod));
    }
  });
});

describe('update', () => {
  const start = (resources: LinuxResources) => {
    const id = uniqueId('upd');
    const b = bundleWith(resources, ['sleep', '600']);
    runts.ok(['run', '--detach', '--bundle', b.dir, id]);
    return { id, b };
  };
  const stored = (id: string) => (JSON.parse(readFileSync(join(runts.root, id, 'state.json'), 'utf8')) as { spec: Spec }).spec.linux!.resources!;

  it('changes a running container\'s limits and files with runc\'s flags and with --resources, and stores them', () => {
    const { id, b } = start({ memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { quota: 20000, period: 100000 } });
    try {
      const r = runts.run(['update', '--memory', '128m', '--memory-swap', '256m', '--pids-limit', '50', '--cpu-quota', '30000', '--cpu-shares', '256', '--cpuset-cpus', '0', '--blkio-weight', '200', '--kernel-memory', '1g', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /--kernel-memory and --kernel-memory-tcp are ignored/);
      assert.equal(read(join(dirOf('memory', id), 'memory.limit_in_bytes')), String(128 << 20));
      assert.equal(read(join(dirOf('memory', id), 'memory.memsw.limit_in_bytes')), String(256 << 20));
      assert.equal(read(join(dirOf('pids', id), 'pids.max')), '50');
      assert.equal(read(join(dirOf('cpu', id), 'cpu.cfs_quota_us')), '30000');
      assert.equal(read(join(dirOf('cpu', id), 'cpu.shares')), '256');
      assert.equal(read(join(dirOf('cpuset', id), 'cpuset.cpus')), '0');
      assert.equal(read(join(dirOf('blkio', id), 'blkio.bfq.weight')), '200');
      assert.deepEqual(stored(id).memory, { limit: 128 << 20, swap: 256 << 20 });
      assert.deepEqual(stored(id).cpu, { quota: 30000, period: 100000, shares: 256, cpus: '0' });
      // --resources from standard input: the stored period stays with the new quota.
      const viaStdin = spawnSync(RUNTS, runts.args(['update', '--resources', '-', id]), { input: '{"cpu":{"quota":40000},"pids":{"limit":-1}}', encoding: 'utf8' });
      assert.equal(viaStdin.status, 0, viaStdin.stderr);
      assert.equal(read(join(dirOf('cpu', id), 'cpu.cfs_quota_us')), '40000');
      assert.equal(read(join(dirOf('cpu', id), 'cpu.cfs_period_us')), '100000');
      assert.equal(read(join(dirOf('pids', id), 'pids.max')), 'max');
      assert.equal(stored(id).pids!.limit, -1);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('a failed update puts back the values it found: files and stored spec unchanged', () => {
    const { id, b } = start({ memory: { limit: 64 << 20, checkBeforeUpdate: true }, pids: { limit: 20 } });
    try {
      const files = () => [read(join(dirOf('memory', id), 'memory.limit_in_bytes')), read(join(dirOf('pids', id), 'pids.max'))];
      const before = { files: files(), spec: stored(id) };
      // The kernel refuses the second write (this host's disks have no BFQ to weigh by): the first is undone.
      const dev = `${BLOCK.major}:${BLOCK.minor}`;
      const res = join(b.dir, 'res.json');
      writeFileSync(res, JSON.stringify({ memory: { limit: 128 << 20 }, pids: { limit: 40 }, blockIO: { weightDevice: [{ ...BLOCK, weight: 300 }] } }));
      const r = runts.run(['update', '--resources', res, id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`linux\\.resources\\.blockIO\\.weightDevice\\[0\\]\\.weight: cannot write "${dev} 300" to ${dirOf('blkio', id)}/blkio\\.bfq\\.weight_device: (EOPNOTSUPP|ENOTSUP)`));
      assert.deepEqual({ files: files(), spec: stored(id) }, before);
      // checkBeforeUpdate: a limit below what the container uses.
      const low = runts.run(['update', '--memory', '4096', id]);
      assert.notEqual(low.code, 0);
      assert.match(low.stderr, /linux\.resources\.memory\.limit: 4096 is not above the current usage \d+ .*memory\.usage_in_bytes\), and checkBeforeUpdate is set/);
      assert.deepEqual({ files: files(), spec: stored(id) }, before);
      // A value the kernel refuses outright.
      const bad = runts.run(['update', '--cpuset-cpus', '63', id]);
      assert.match(bad.stderr, /linux\.resources\.cpu\.cpus: cannot write "63" to .*cpuset\.cpus: (EINVAL|ERANGE)/);
      assert.deepEqual({ files: files(), spec: stored(id) }, before);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('concurrent updates do not interleave: the files and the stored spec are one request\'s, entirely', async () => {
    const { id, b } = start({ memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { quota: 20000, period: 100000 } });
    const requests: LinuxResources[] = [
      { memory: { limit: 96 << 20 }, pids: { limit: 30 }, cpu: { quota: 30000, shares: 300 } },
      { memory: { limit: 160 << 20 }, pids: { limit: 60 }, cpu: { quota: 60000, shares: 600 } },
    ];
    const files = () => [
      read(join(dirOf('memory', id), 'memory.limit_in_bytes')),
      read(join(dirOf('pids', id), 'pids.max')),
      read(join(dirOf('cpu', id), 'cpu.cfs_quota_us')),
      read(join(dirOf('cpu', id), 'cpu.shares')),
    ];
    const expected = requests.map((r) => [String(r.memory!.limit), String(r.pids!.limit), String(r.cpu!.quota), String(r.cpu!.shares)]);
    const update = (r: LinuxResources) => {
      const child = spawn(RUNTS, runts.args(['update', '--resources', '-', id]), { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.stdin.end(JSON.stringify(r));
      return { child, done: new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`update exited ${code}: ${err}`))))) };
    };
    try {
      for (let round = 0; round < 4; round++) {
        await Promise.all(requests.map((r) => update(r).done));
        const i = expected.findIndex((e) => JSON.stringify(e) === JSON.stringify(files()));
        assert.ok(i >= 0, `round ${round}: files mix the requests: ${files()}`);
        assert.deepEqual({ ...stored(id).memory, ...stored(id).pids, ...stored(id).cpu }, { ...requests[i].memory, ...requests[i].pids, period: 100000, ...requests[i].cpu });
      }
      // While another holds the lock, an update waits (it has the lock file open) and writes nothing; then it goes on.
      const before = files();
      const lock = openSync(join(runts.root, id, 'update.lock'), 'a');
      let waiting: ReturnType<typeof update> | undefined;
      try {
        hostCalls().flock(lock, 2);
        waiting = update({ pids: { limit: 77 } });
        const pid = waiting.child.pid!;
        await waitFor(() => {
          try {
            return readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith(`/${id}/update.lock`));
          } catch {
            return false;
          }
        }, 30_000);
        assert.deepEqual(files(), before);
        assert.equal(waiting.child.exitCode, null);
      } finally {
        closeSync(lock);
      }
      await waiting.done;
      assert.equal(read(join(dirOf('pids', id), 'pids.max')), '77');
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('refuses a stopped or missing container, bad numbers and Intel RDT by name', () => {
    const { id, b } = start({});
    try {
      assert.match(runts.run(['update', '--pids-limit', '-2', id]).stderr, /--pids-limit: invalid value "-2"/);
      assert.match(runts.run(['update', '--memory', 'lots', id]).stderr, /--memory: invalid size "lots"/);
      assert.match(runts.run(['update', '--l3-cache-schema', 'L3:0=f', id]).stderr, /linux\.intelRdt: this host has no resctrl filesystem mounted \(Intel RDT \/ AMD QoS\), so it cannot be applied/);
      const res = join(b.dir, 'res.json');
      writeFileSync(res, JSON.stringify({ cpu: { shares: -5 } }));
      assert.match(runts.run(['update', '--resources', res, id]).stderr, /linux\.resources\.cpu\.shares: must be between 0 and 262144, got -5/);
      runts.ok(['kill', id, 'KILL']);
      const stoppedAt = Date.now();
      while (runts.state(id).status !== 'stopped' && Date.now() - stoppedAt < 5000) spawnSync('sleep', ['0.02']);
      const r = runts.run(['update', '--pids-limit', '5', id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /cannot update container ".*": it is stopped/);
      assert.match(runts.run(['update', '--pids-limit', '5', 'no-such-container']).stderr, /container "no-such-container" does not exist/);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });
});

describe('resources this host cannot apply: refused by name, nothing left', () => {
  const cases: [string, LinuxResources, RegExp][] = [
    ['useHierarchy=false (EINVAL since 5.11)', { memory: { useHierarchy: false } }, /linux\.resources\.memory\.useHierarchy: cannot write "0" to \S+memory\.use_hierarchy: EINVAL \(since Linux 5\.11 every memory cgroup is hierarchical\)/],
    ['a leaf weight (CFQ is gone)', { blockIO: { leafWeight: 100 } }, /linux\.resources\.blockIO\.leafWeight: leaf weights went with the CFQ scheduler/],
    ['rdma (not mounted)', { rdma: { mlx5_0: { hcaHandles: 2 } } }, /linux\.resources\.rdma: this host has no rdma controller/],
    ['net_cls (not mounted)', { network: { classID: 0x100001 } }, /linux\.resources\.network\.classID: this host has no net_cls controller/],
    ['net_prio (not mounted)', { network: { priorities: [{ name: 'lo', priority: 1 }] } }, /linux\.resources\.network\.priorities: this host has no net_prio controller/],
    ['unified keys on a hybrid host', { unified: { 'memory.high': '1G' } }, /linux\.resources\.unified: cgroup v2 keys need a pure cgroup v2 host/],
    ['a page size the host lacks', { hugepageLimits: [{ pageSize: '64KB', limit: 0 }] }, /linux\.resources\.hugepageLimits\[0\]\.pageSize: this host has no 64KB huge pages/],
    ['a negative limit', { memory: { limit: -7 } }, /linux\.resources\.memory\.limit: must be between -1 and \d+, got -7/],
    ['a realtime runtime the parent has no budget for', { cpu: { realtimeRuntime: 1000 } }, /linux\.resources\.cpu\.realtimeRuntime: cannot write "1000" to \S+cpu\.rt_runtime_us: EINVAL \(the parent cgroups need a realtime budget of their own\)/],
    ['a value the kernel refuses', { cpu: { quota: 500 } }, /linux\.resources\.cpu\.quota: cannot write "500" to \S+cpu\.cfs_quota_us: EINVAL/],
    ['Intel RDT (no resctrl)', {}, /linux\.intelRdt: this host has no resctrl filesystem mounted/],
  ];
  for (const [what, resources, error] of cases)
    it(what, () => {
      const id = uniqueId('bad');
      const b = bundleWith(resources, ['true'], what.startsWith('Intel') ? (s) => (s.linux!.intelRdt = { closID: 'x', l3CacheSchema: 'L3:0=f' }) : undefined);
      try {
        const r = runts.run(['run', '--bundle', b.dir, id]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, error);
        assertNothingLeft(id);
      } finally {
        b.cleanup();
      }
    });
});
