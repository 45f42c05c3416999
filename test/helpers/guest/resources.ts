// linux.resources on pure cgroup v2, in the guest: the fields converted into
// their v2 files (swap alone, shares as cpu.weight, -1 as max), a memory hog
// OOM-killed, update and its rollback, refusals of what v2 lacks, and limits
// in a subtree delegated to a user. Few containers, several fields each: the
// guest is slow.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootlessSpec } from '../../../src/oci/default-spec.ts';
import type { LinuxResources } from '../../../src/oci/spec.ts';
import { makeBundle, uniqueId } from '../bundle.ts';
import { RUNTS } from '../runts.ts';
import { assertGone, CG, type Check, runOnce } from './common.ts';

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
const key = (dir: string, file: string, k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(readFileSync(join(dir, file), 'utf8'))?.[1]);

function withLimits(resources: LinuxResources, args: string[]) {
  const b = makeBundle((s) => (s.linux!.resources = { ...s.linux!.resources, ...resources }), args);
  symlinkSync('busybox', join(b.rootfs, 'bin', 'dd'));
  return b;
}

export const resourceChecks: Check[] = [
  {
    name: 'resources (v2): every field converted into its file before the process runs; a memory hog is OOM-killed',
    run: (c) => {
      const id = uniqueId('v2res');
      const b = withLimits(
        {
          memory: { limit: 32 << 20, swap: 48 << 20, reservation: 8 << 20 },
          cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0' },
          pids: { limit: 40 },
          blockIO: { weight: 500 },
          hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }],
          unified: { 'memory.oom.group': '1' },
        },
        ['sh', '-c', 'grep Cpus_allowed_list /proc/self/status; exec dd if=/dev/zero of=/dev/null bs=96M count=1'],
      );
      const dir = join(CG, 'runts', id);
      try {
        const r = c.runts.run(['run', '--keep', '--bundle', b.dir, id]);
        assert.equal(r.code, 137, r.stderr + r.stdout);
        assert.equal(r.stdout, 'Cpus_allowed_list:\t0\n');
        assert.equal(read(dir, 'memory.max'), String(32 << 20));
        // memory+swap in the spec, swap alone here.
        assert.equal(read(dir, 'memory.swap.max'), String(16 << 20));
        assert.equal(read(dir, 'memory.low'), String(8 << 20));
        assert.equal(read(dir, 'cpu.weight'), '100');
        assert.equal(read(dir, 'cpu.max'), '50000 100000');
        assert.equal(read(dir, 'pids.max'), '40');
        assert.equal(read(dir, 'cpuset.cpus'), '0');
        // BFQ's file where the kernel has it, else iocost's io.weight scaled to [1, 10000].
        if (existsSync(join(dir, 'io.bfq.weight'))) assert.match(read(dir, 'io.bfq.weight'), /^default 500$/m);
        else assert.match(read(dir, 'io.weight'), /^default 4950$/m);
        assert.equal(read(dir, 'hugetlb.2MB.max'), String(4 << 20));
        assert.equal(read(dir, 'memory.oom.group'), '1');
        assert.ok(key(dir, 'memory.events', 'oom_kill') >= 1, read(dir, 'memory.events'));
        c.runts.ok(['delete', id]);
        assertGone(c, id, dir);
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'update (v2): changes a running container\'s files; a failed one is rolled back; what v2 lacks is refused by name, leaving nothing',
    run: (c) => {
      const id = uniqueId('v2upd');
      const b = withLimits({ memory: { limit: 64 << 20 }, pids: { limit: 20 } }, ['sleep', '600']);
      const dir = join(CG, 'runts', id);
      try {
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        c.runts.ok(['update', '--memory', '128m', '--cpu-shares', '2048', '--pids-limit', '30', '--cpu-quota', '20000', id]);
        assert.deepEqual(['memory.max', 'cpu.weight', 'pids.max', 'cpu.max'].map((f) => read(dir, f)), [String(128 << 20), '174', '30', '20000 100000']);
        // The kernel refuses the last write: the pids limit written before it is put back.
        const res = join(b.dir, 'res.json');
        writeFileSync(res, JSON.stringify({ pids: { limit: 50 }, unified: { 'memory.high': 'lots' } }));
        const r = c.runts.run(['update', '--resources', res, id]);
        assert.match(r.stderr, /linux\.resources\.unified\.memory\.high: cannot write "lots" to \S+memory\.high: EINVAL/);
        assert.equal(read(dir, 'pids.max'), '30');
        assert.equal(read(dir, 'memory.high'), 'max');
        c.runts.ok(['delete', '--force', id]);
        assertGone(c, id, dir);
        for (const [resources, error] of [
          [{ memory: { swappiness: 10 } }, /linux\.resources\.memory\.swappiness: cgroup v2 has no per-cgroup swappiness/],
          [{ cpu: { realtimeRuntime: 1000 } }, /linux\.resources\.cpu\.realtimeRuntime: cgroup v2 has no realtime group scheduling/],
          [{ blockIO: { throttleReadBpsDevice: [{ major: 4095, minor: 0, rate: 1 }] } }, /linux\.resources\.blockIO\.throttleReadBpsDevice\[0\]: cannot write "4095:0 rbps=1" to \S+io\.max: ENODEV/],
        ] as const) {
          const bad = runOnce(c, 'true', (s) => (s.linux!.resources = resources as LinuxResources));
          assert.notEqual(bad.code, 0);
          assert.match(bad.stderr, error);
          assertGone(c, bad.id, join(CG, 'runts', bad.id));
        }
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'rootless with a delegated subtree: the user\'s container gets its pids limit there',
    run: () => {
      // As systemd delegates: the subtree's top is the user's and holds no
      // process (the user's session is in a leaf), so it can hand pids down.
      const NOBODY = 65534;
      const deleg = join(CG, `deleg-res-${process.pid}`);
      const session = join(deleg, 'session');
      mkdirSync(session, { recursive: true });
      const xdg = mkdtempSync('/tmp/v2-xdg-');
      const b = makeBundle();
      try {
        for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control']) chownSync(join(deleg, f), NOBODY, NOBODY);
        chownSync(xdg, NOBODY, NOBODY);
        const spec = rootlessSpec(NOBODY, NOBODY);
        spec.process!.terminal = false;
        // The host's /sys is bound read-only: the container reads its own limit there.
        spec.process!.args = ['cat', `/sys/fs/cgroup${deleg.slice(CG.length)}/c1/pids.max`];
        spec.linux!.cgroupsPath = `${deleg.slice(CG.length)}/c1`;
        spec.linux!.resources = { pids: { limit: 12 } };
        writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
        const r = spawnSync(
          'sh',
          ['-c', `echo $$ > ${session}/cgroup.procs && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups env XDG_RUNTIME_DIR=${xdg} ${RUNTS} run --bundle ${b.dir} ${uniqueId('v2')}`],
          { encoding: 'utf8', timeout: 60_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '12\n');
        assert.ok(!existsSync(join(deleg, 'c1')), 'the container\'s cgroup stayed');
      } finally {
        b.cleanup();
        rmSync(xdg, { recursive: true, force: true });
        rmdirSync(session);
        rmdirSync(deleg);
      }
    },
  },
];
