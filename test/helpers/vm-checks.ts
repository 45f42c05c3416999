// runts on a pure cgroup v2 kernel: the checks run inside the guest that
// test/e2e/cgroup-v2-vm.test.ts boots, as root in the guest's initial
// namespaces (the "host" of the containers). Run as a script, they write their
// results to the JSON file named by argv[2] after each check, so a guest that
// dies part-way still tells which checks passed. The core checks are here;
// each later concern adds a module under guest/ and one line to the list.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { rootlessSpec } from '../../src/oci/default-spec.ts';
import { join } from 'node:path';
import { cgroupMode, hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { makeBundle, uniqueId } from './bundle.ts';
import { addImageNodes, DEFAULT_OUTCOME, DENIED, KMSG_WRITE_OUTCOME, KMSG_WRITE_RULE, MAKE_AND_OPEN, OPEN, probed, withMknod } from './device-probe.ts';
import { RUNTS, Runts } from './runts.ts';
import { processFieldChecks } from './guest/process-fields.ts';
import { cveChecks } from './guest/cve.ts';
import { statsChecks } from './guest/stats.ts';
export type { CheckResult } from './guest/common.ts';
import { resourceChecks } from './guest/resources.ts';
import { apparmorChecks } from './guest/apparmor.ts';
import { monitorCgroupChecks } from './guest/monitor-cgroup.ts';
import { deviceUpdateChecks } from './guest/devices.ts';
import { assertGone, CG, type Check, type CheckResult, cgroupDirs, type Ctx, mountAt, procsOf, runOnce, runProbe, underParent, until } from './guest/common.ts';

const core: Check[] = [
  {
    name: 'the guest has cgroup2 alone at /sys/fs/cgroup, and runts sees a pure v2 host',
    run: () => {
      const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
      const cgroupMounts = mountinfo.split('\n').filter((l) => / - cgroup2? /.test(l));
      assert.equal(cgroupMounts.length, 1, cgroupMounts.join('\n'));
      assert.equal(mountAt(mountinfo, CG)?.fstype, 'cgroup2');
      const hs = hostHierarchies();
      assert.deepEqual(hs.map((h) => [h.version, h.mountPoint, h.current]), [[2, CG, '/']]);
      assert.equal(cgroupMode(hs), 'v2');
    },
  },
  {
    name: 'runts spec + run: a busybox container runs and returns its status; its cgroup and /runts go',
    run: (c) => {
      const b = makeBundle();
      try {
        rmSync(join(b.dir, 'config.json'));
        c.runts.ok(['spec', '--bundle', b.dir]);
        const spec = JSON.parse(readFileSync(join(b.dir, 'config.json'), 'utf8'));
        spec.process.terminal = false;
        spec.process.args = ['sh', '-c', 'echo hello from v2; exit 3'];
        writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
        const id = uniqueId('v2');
        const r = c.runts.run(['run', '--bundle', b.dir, id]);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, 'hello from v2\n');
        assertGone(c, id, join(CG, 'runts', id));
        assert.ok(!existsSync(join(CG, 'runts')), '/sys/fs/cgroup/runts left behind by the last container');
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'a detached container is in /sys/fs/cgroup/runts/<id>, its pid in cgroup.procs',
    run: (c) => {
      // The bundle stays until the container is deleted: its rootfs is the container's root.
      c.bundle = makeBundle(undefined, ['sleep', '600']);
      c.runts.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
      const state = c.runts.state(c.id);
      assert.equal(state.status, 'running');
      c.pid = state.pid!;
      assert.deepEqual(procsOf(join(CG, 'runts', c.id)), [c.pid]);
      assert.equal(readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'), `0::/runts/${c.id}\n`);
    },
  },
  {
    name: 'inside, /proc/self/cgroup is 0::/ in a cgroup namespace of its own',
    run: (c) => {
      const out = c.runts.ok(['exec', c.id, 'sh', '-c', 'cat /proc/1/cgroup /proc/self/cgroup; readlink /proc/self/ns/cgroup']);
      assert.deepEqual(out.split('\n'), ['0::/', '0::/', readlinkSync(`/proc/${c.pid}/ns/cgroup`), '']);
      assert.notEqual(readlinkSync(`/proc/${c.pid}/ns/cgroup`), readlinkSync('/proc/self/ns/cgroup'));
    },
  },
  {
    name: 'inside, /sys/fs/cgroup is the container cgroup: cgroup2, rooted at /, read-only',
    run: (c) => {
      const out = c.runts.ok(['exec', c.id, 'sh', '-c', 'cat /proc/self/mountinfo; echo ==; cat /sys/fs/cgroup/cgroup.procs; echo ==; mkdir /sys/fs/cgroup/x 2>&1; echo rc=$?']);
      const [mountinfo, procs, mkdir] = out.split('==\n');
      const m = mountAt(mountinfo, CG);
      assert.ok(m, `no mount at ${CG}:\n${mountinfo}`);
      assert.equal(m.fstype, 'cgroup2');
      assert.equal(m.root, '/');
      assert.match(m.options, /(^|,)ro(,|$)/);
      assert.match(m.options, /nosuid/);
      // The init and the exec'd shell, in the container's pid namespace.
      assert.ok(procs.split('\n').includes('1'), procs);
      assert.match(mkdir, /Read-only file system/);
      assert.match(mkdir, /rc=1/);
    },
  },
  {
    name: 'exec joins the cgroup; ps lists every process in it',
    run: async (c) => {
      c.runts.ok(['exec', '-d', c.id, 'sleep', '600']);
      const dir = join(CG, 'runts', c.id);
      await until(() => procsOf(dir).length === 2, 'the exec process is in the cgroup');
      const pids = JSON.parse(c.runts.ok(['ps', '--format', 'json', c.id])) as number[];
      assert.deepEqual([...pids].sort(), [...procsOf(dir)].sort());
      assert.ok(pids.includes(c.pid));
      const [header, ...rows] = c.runts.ok(['ps', c.id]).trimEnd().split('\n');
      assert.match(header, /^UID\s+PID\s+PPID/);
      assert.deepEqual(rows.map((r) => Number(r.split(/\s+/)[1])).sort(), [...pids].sort());
    },
  },
  {
    name: 'pause freezes the cgroup (cgroup.freeze), resume thaws it; a paused container refuses exec',
    run: async (c) => {
      const events = () => readFileSync(join(CG, 'runts', c.id, 'cgroup.events'), 'utf8');
      c.runts.ok(['pause', c.id]);
      assert.match(events(), /^frozen 1$/m);
      assert.equal(c.runts.state(c.id).status, 'paused');
      assert.match(c.runts.run(['exec', c.id, 'true']).stderr, /it is paused/);
      c.runts.ok(['resume', c.id]);
      assert.match(events(), /^frozen 0$/m);
      assert.equal(c.runts.state(c.id).status, 'running');
    },
  },
  {
    name: 'kill --all signals every process of the cgroup',
    run: async (c) => {
      c.runts.ok(['kill', '--all', c.id, 'KILL']);
      const dir = join(CG, 'runts', c.id);
      await until(() => procsOf(dir).length === 0, 'the cgroup is empty');
      await until(() => c.runts.state(c.id).status === 'stopped', 'the container is stopped');
    },
  },
  {
    name: 'delete removes the cgroup directory, and /runts with the last container',
    run: (c) => {
      c.runts.ok(['delete', c.id]);
      c.bundle?.cleanup();
      assertGone(c, c.id, join(CG, 'runts', c.id));
      assert.ok(!existsSync(join(CG, 'runts')));
    },
  },
  {
    name: 'a user-namespaced container is put in its cgroup from outside its user namespace and sees it at /sys/fs/cgroup',
    run: (c) => {
      const r = runOnce(c, 'cat /proc/self/cgroup; cat /proc/self/mountinfo', (s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith('0::/\n'), r.stdout);
      const m = mountAt(r.stdout, CG);
      assert.equal(m?.fstype, 'cgroup2');
      assert.equal(m?.root, '/');
      assertGone(c, r.id, join(CG, 'runts', r.id));
    },
  },
  {
    name: 'cgroups a container makes below its own (writable mount): ps and kill --all reach them, delete removes them',
    run: async (c) => {
      const b = makeBundle((s) => {
        s.mounts = s.mounts!.map((m) => (m.type === 'cgroup' ? { ...m, options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'] } : m));
      }, ['sh', '-c', 'mkdir /sys/fs/cgroup/sub && echo $$ > /sys/fs/cgroup/sub/cgroup.procs && exec sleep 600']);
      const id = uniqueId('v2');
      const dir = join(CG, 'runts', id);
      try {
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        const pid = c.runts.state(id).pid!;
        await until(() => existsSync(join(dir, 'sub')) && procsOf(join(dir, 'sub')).includes(pid), 'the init moved into sub');
        c.runts.ok(['exec', '-d', id, 'sleep', '600']);
        await until(() => procsOf(dir).length === 1, 'the exec process is in the container cgroup');
        const pids = JSON.parse(c.runts.ok(['ps', '--format', 'json', id])) as number[];
        assert.deepEqual(pids.sort(), [pid, ...procsOf(dir)].sort());
        c.runts.ok(['kill', '--all', id, 'KILL']);
        await until(() => c.runts.state(id).status === 'stopped', 'the container is stopped');
        assert.deepEqual([...procsOf(dir), ...procsOf(join(dir, 'sub'))], []);
        c.runts.ok(['delete', id]);
        assertGone(c, id, dir);
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'a cgroupsPath that is the root cgroup is refused, and nothing in it is signalled',
    run: async (c) => {
      const before = cgroupDirs();
      // A bystander in the root cgroup, as every process of this guest is.
      const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
      try {
        for (const path of ['/', '..', '/runts/../..']) {
          const r = runOnce(c, 'true', (s) => (s.linux!.cgroupsPath = path));
          assert.notEqual(r.code, 0, path);
          assert.match(r.stderr, /linux\.cgroupsPath: .* is the root cgroup/);
        }
        assert.equal(bystander.exitCode, null);
        assert.equal(bystander.signalCode, null);
        assert.deepEqual(cgroupDirs(), before);
      } finally {
        bystander.kill('SIGKILL');
      }
    },
  },
  {
    name: 'a refused cgroupsPath leaves no state directory',
    run: (c) => {
      const r = runOnce(c, 'true', (s) => (s.linux!.cgroupsPath = '/'));
      assert.notEqual(r.code, 0);
      assert.ok(!existsSync(join(c.runts.root, r.id)), `${join(c.runts.root, r.id)} left behind`);
    },
  },
  {
    name: 'delete --force of a running container removes its cgroup',
    run: (c) => {
      const b = makeBundle(undefined, ['sleep', '600']);
      const id = uniqueId('v2');
      try {
        c.runts.ok(['create', '--bundle', b.dir, id]);
        assert.ok(existsSync(join(CG, 'runts', id)));
        c.runts.ok(['start', id]);
        c.runts.ok(['delete', '--force', id]);
        assertGone(c, id, join(CG, 'runts', id));
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'a create that fails (exec of a missing program, a failing mount) leaves no cgroup',
    run: (c) => {
      const missing = runOnce(c, '', (s) => (s.process!.args = ['/no/such/program']));
      assert.notEqual(missing.code, 0);
      assertGone(c, missing.id, join(CG, 'runts', missing.id));
      const mount = runOnce(c, 'true', (s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/no/such/dir', options: ['bind'] }));
      assert.notEqual(mount.code, 0);
      assertGone(c, mount.id, join(CG, 'runts', mount.id));
      assert.ok(!existsSync(join(CG, 'runts')));
    },
  },
  {
    name: 'cgroupsPath: nested directories are made and all removed; a path through a file is refused',
    run: (c) => {
      const before = cgroupDirs();
      const nested = runOnce(c, 'cat /proc/self/cgroup', (s) => {
        s.linux!.cgroupsPath = '/runts-vm/a/b';
        s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      });
      assert.equal(nested.code, 0, nested.stderr);
      assert.equal(nested.stdout, '0::/runts-vm/a/b\n');
      const bad = runOnce(c, 'true', (s) => (s.linux!.cgroupsPath = '/cgroup.procs/x'));
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /cgroup/);
      assertGone(c, bad.id, join(CG, 'cgroup.procs', 'x'));
      assert.deepEqual(cgroupDirs(), before);
    },
  },
  {
    name: 'a relative cgroupsPath is under the caller\'s own cgroup',
    run: (c) => {
      const caller = join(CG, 'caller');
      mkdirSync(caller);
      const b = makeBundle(undefined, ['cat', '/proc/self/cgroup']);
      try {
        b.spec.linux!.cgroupsPath = 'rel/c';
        b.spec.linux!.namespaces = b.spec.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
        b.write();
        // runts started from a shell that first moved itself into /caller.
        const r = spawnSync('/bin/sh', ['-c', `echo $$ > ${caller}/cgroup.procs && exec "$@"`, 'sh', RUNTS, ...c.runts.args(['run', '--bundle', b.dir, uniqueId('v2')])], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '0::/caller/rel/c\n');
        assert.deepEqual(readdirSync(caller, { withFileTypes: true }).filter((e) => e.isDirectory()), []);
      } finally {
        b.cleanup();
        rmdirSync(caller);
      }
    },
  },
  {
    name: 'a create into an existing cgroup that refuses processes fails and keeps that cgroup',
    run: (c) => {
      // v2's no-internal-processes rule: a cgroup that hands a domain
      // controller (memory; pids would not do, it is threaded) to its children
      // cannot hold processes itself.
      const busy = join(CG, 'busy');
      const rootControl = join(CG, 'cgroup.subtree_control');
      const hadMemory = readFileSync(rootControl, 'utf8').split(/\s/).includes('memory');
      mkdirSync(join(busy, 'child'), { recursive: true });
      try {
        if (!hadMemory) writeFileSync(rootControl, '+memory');
        writeFileSync(join(busy, 'cgroup.subtree_control'), '+memory');
        const r = runOnce(c, 'true', (s) => (s.linux!.cgroupsPath = '/busy'));
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /cgroup\.procs.*EBUSY/);
        assert.ok(existsSync(join(busy, 'child')), 'a cgroup runts did not make was removed');
        assert.ok(!existsSync(join(c.runts.root, r.id)));
      } finally {
        writeFileSync(join(busy, 'cgroup.subtree_control'), '-memory');
        rmdirSync(join(busy, 'child'));
        rmdirSync(busy);
        if (!hadMemory) writeFileSync(rootControl, '-memory');
      }
    },
  },
  {
    name: 'rootless with a delegated subtree: a user makes and joins its container\'s cgroup there, and removes it',
    run: () => {
      // Delegation as systemd does it for a user: the directory and its
      // cgroup.procs/threads/subtree_control are the user's, and the user's
      // process starts inside it (migrations need the common ancestor's procs).
      const NOBODY = 65534;
      const deleg = join(CG, `deleg-${process.pid}`);
      mkdirSync(deleg);
      const xdg = mkdtempSync('/tmp/v2-xdg-');
      const b = makeBundle(undefined, ['cat', '/proc/self/cgroup']);
      try {
        for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control']) chownSync(join(deleg, f), NOBODY, NOBODY);
        chownSync(xdg, NOBODY, NOBODY);
        const spec = rootlessSpec(NOBODY, NOBODY);
        spec.process!.terminal = false;
        spec.process!.args = ['cat', '/proc/self/cgroup'];
        spec.linux!.cgroupsPath = `${deleg.slice(CG.length)}/c1`;
        writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
        const id = uniqueId('v2');
        const r = spawnSync(
          'sh',
          ['-c', `echo $$ > ${deleg}/cgroup.procs && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups env XDG_RUNTIME_DIR=${xdg} ${RUNTS} run --bundle ${b.dir} ${id}`],
          { encoding: 'utf8', timeout: 60_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `0::${deleg.slice(CG.length)}/c1\n`);
        assert.ok(!existsSync(join(deleg, 'c1')), 'the container\'s cgroup stayed');
        assert.deepEqual(readdirSync(join(xdg, 'runts')), []);
      } finally {
        b.cleanup();
        rmSync(xdg, { recursive: true, force: true });
        rmdirSync(deleg);
      }
    },
  },
  {
    name: 'device control (eBPF): a default container makes nodes but opens only the allowed devices, its image\'s nodes included',
    run: (c) => {
      const r = runProbe(c, MAKE_AND_OPEN, withMknod);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(probed(r.stdout), DEFAULT_OUTCOME);
      assertGone(c, r.id, join(CG, 'runts', r.id));
    },
  },
  {
    name: 'device control (eBPF): a config rule opens what it allows',
    run: (c) => {
      const r = runProbe(c, MAKE_AND_OPEN, (s) => {
        withMknod(s);
        s.linux!.resources!.devices!.push(KMSG_WRITE_RULE);
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(probed(r.stdout), KMSG_WRITE_OUTCOME);
    },
  },
  {
    name: 'device control (eBPF): an exec\'d process is held by the container\'s program',
    run: (c) => {
      const b = makeBundle(undefined, ['sleep', '600']);
      addImageNodes(b);
      const id = uniqueId('v2');
      try {
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        const out = c.runts.ok(['exec', id, 'sh', '-c', OPEN]);
        assert.deepEqual(probed(out), { 'write-image-c': DENIED, 'read-image-b': DENIED, 'rw-null': 'ok' });
        c.runts.ok(['delete', '--force', id]);
        assertGone(c, id, join(CG, 'runts', id));
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'delete --force kills a fork bomb through cgroup.kill: no processes, cgroup or state left',
    run: async (c) => {
      // The bomb (test/helpers/forkbomb.c) held by its pids limit; without a
      // pid namespace, so only the kill can end it. Small: the emulated CPU is slow.
      const id = uniqueId('v2');
      const dir = join(CG, 'runts', id);
      const b = makeBundle((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
        s.linux!.resources!.pids = { limit: 40 };
      }, ['/bin/forkbomb', '20']);
      try {
        const cc = spawnSync('cc', ['-static', '-O', '-o', join(b.rootfs, 'bin', 'forkbomb'), join(import.meta.dirname, 'forkbomb.c')], { encoding: 'utf8' });
        assert.equal(cc.status, 0, cc.stderr);
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        assert.ok(existsSync(join(dir, 'cgroup.kill')), 'the guest\'s kernel has cgroup.kill');
        await until(() => Number(readFileSync(join(dir, 'pids.current'), 'utf8')) >= 30, 'the bomb fills its pids limit', 60_000);
        assert.equal(readFileSync(join(dir, 'pids.max'), 'utf8'), '40\n');
        c.runts.ok(['delete', '--force', id]);
        assertGone(c, id, dir);
      } finally {
        b.cleanup();
      }
    },
  },
  {
    name: 'exec joins the init\'s cgroup when the container\'s own refuses processes (it handed memory to a cgroup it made)',
    run: (c) =>
      // v2's no-internal-processes rule: once the container enables a domain
      // controller for the cgroup it made and moved into, its own takes no
      // process, and an exec goes to the init's leaf, as runc's does.
      underParent('leaf', 'memory', async (parent) => {
        const dir = join(parent, 'c');
        const b = makeBundle((s) => {
          s.linux!.cgroupsPath = '/leaf/c';
          s.mounts = s.mounts!.map((m) => (m.type === 'cgroup' ? { ...m, options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'] } : m));
        }, ['sh', '-c', 'mkdir /sys/fs/cgroup/sub && echo $$ > /sys/fs/cgroup/sub/cgroup.procs && echo +memory > /sys/fs/cgroup/cgroup.subtree_control && exec sleep 600']);
        const id = uniqueId('v2');
        try {
          c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
          await until(() => existsSync(join(dir, 'cgroup.subtree_control')) && readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').includes('memory'), 'the container handed memory to sub');
          assert.equal(c.runts.ok(['exec', id, 'cat', '/proc/self/cgroup']), '0::/sub\n');
          c.runts.ok(['exec', '-d', id, 'sleep', '600']);
          await until(() => procsOf(join(dir, 'sub')).length === 2, 'the exec process is in sub');
          assert.deepEqual(procsOf(dir), []);
          c.runts.ok(['delete', '--force', id]);
          assertGone(c, id, dir);
        } finally {
          b.cleanup();
        }
      }),
  },
];

const last: Check[] = [
  {
    name: 'nothing is left in the guest\'s cgroup tree',
    run: (c) => {
      c.runts.cleanup();
      c.bundle?.cleanup();
      assert.deepEqual(cgroupDirs(), c.before);
    },
  },
];

/** Every check, in the order the guest runs them; the last one checks that none left anything behind. */
export const checks: Check[] = [...core, ...processFieldChecks, ...cveChecks, ...resourceChecks, ...apparmorChecks, ...statsChecks, ...monitorCgroupChecks, ...deviceUpdateChecks, ...last];

async function main(resultsFile: string): Promise<void> {
  const ctx: Ctx = { runts: new Runts(), id: uniqueId('v2-detached'), pid: 0, before: cgroupDirs() };
  const results: CheckResult[] = [];
  try {
    for (const check of checks) {
      const started = Date.now();
      try {
        await check.run(ctx);
        results.push({ name: check.name, ok: true, ms: Date.now() - started });
      } catch (e) {
        const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        results.push({ name: check.name, ok: false, error, ms: Date.now() - started });
      }
      const r = results.at(-1)!;
      console.log(`${r.ok ? 'ok' : 'FAIL'} ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
      writeFileSync(resultsFile, JSON.stringify(results));
    }
  } finally {
    ctx.runts.cleanup();
  }
}

if (import.meta.main) await main(process.argv[2]);
