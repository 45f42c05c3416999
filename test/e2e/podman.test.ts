// runts in place of runc under Podman (4.3, Debian's): podman --runtime
// build/runts, conmon supervising, the cgroupfs manager, no network. Podman's
// storage, run and temp dirs go under a temp dir; what it keeps elsewhere
// (/run/containers, conmon's cgroup under /libpod_parent) is removed after,
// when it was not there before.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { SYSCALLS } from '../../src/runtime/seccomp/tables.ts';
import { makeBundle } from '../helpers/bundle.ts';

const RUNTS_BIN = resolve(import.meta.dirname, '..', '..', 'build', 'runts');
const dir = mkdtempSync(join(tmpdir(), 'runts-podman-'));
const runtsRoot = join(dir, 'runts-root');
const bundle = makeBundle();
const hadRunContainers = existsSync('/run/containers');
const hadLibpodParent = hostHierarchies().some((h) => existsSync(join(h.mountPoint, 'libpod_parent')));

// runts refuses what it cannot enforce yet (src/oci/unenforced.ts); this host has
// neither AppArmor nor SELinux, so Podman sets no label or profile. Podman's default
// seccomp profile is compiled and enforced, and its default resources (a pids limit of
// 2048 from containers.conf) apply.

/** podman with private storage, runts as its runtime. The host's hard nofile
 * limit is below Podman's default (1048576) and root here may not raise it. */
function podman(args: string[], opts: { script?: boolean } = {}): { code: number; stdout: string; stderr: string } {
  const base = [
    '--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'),
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', '--runtime', RUNTS_BIN,
    // Podman would give runts --root /run/runts (as runc gets /run/runc): keep it under dir too.
    '--runtime-flag', `root=${runtsRoot}`,
  ];
  const r = opts.script
    ? spawnSync('script', ['-qec', ['podman', ...base, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync('podman', [...base, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const confined = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'none'];
const limits = [...confined];

after(() => {
  for (const name of podman(['ps', '-aq']).stdout.split('\n').filter(Boolean)) podman(['rm', '-f', name]);
  // A container Podman gave up on (a failed start) may still be in runts's state: its cgroups go with it.
  if (existsSync(runtsRoot)) for (const id of readdirSync(runtsRoot)) spawnSync(RUNTS_BIN, ['--root', runtsRoot, 'delete', '--force', id]);
  if (!hadLibpodParent)
    for (const h of hostHierarchies()) {
      const parent = join(h.mountPoint, 'libpod_parent');
      if (!existsSync(parent)) continue;
      for (const d of readdirSync(parent, { withFileTypes: true })) if (d.isDirectory()) rmdirSync(join(parent, d.name));
      rmdirSync(parent);
    }
  if (!hadRunContainers) rmSync('/run/containers', { recursive: true, force: true });
  // Podman's overlay storage mounts its own directory on itself; a run cut short can leave that mount.
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${join(dir, 'storage', 'overlay')} `))
    spawnSync('umount', ['-l', join(dir, 'storage', 'overlay')]);
  bundle.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('podman with runts as its runtime', () => {
  it('runs a container to its exit status and output, and with a terminal', () => {
    const r = podman(['run', '--rm', ...limits, '--rootfs', bundle.rootfs, 'sh', '-c', 'echo hello from runts; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'hello from runts\n');
    const t = podman(['run', '--rm', '-t', ...limits, '--rootfs', bundle.rootfs, 'sh', '-c', 'tty; echo tty-ok'], { script: true });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /\/dev\/pts\/0\r?\r?\ntty-ok/);
  });

  it('runs detached; exec, pause, unpause, top, stop and rm go through conmon to runts', () => {
    const name = `runts-${process.pid}`;
    const run = podman(['run', '-d', '--name', name, ...limits, '--rootfs', bundle.rootfs, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    const exec = podman(['exec', name, 'sh', '-c', 'echo in exec; cat /proc/1/cmdline']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, 'in exec\nsleep\x00300\x00');
    assert.equal(podman(['pause', name]).code, 0);
    assert.match(podman(['inspect', '--format', '{{.State.Status}}', name]).stdout, /^paused/);
    assert.equal(podman(['unpause', name]).code, 0);
    assert.match(podman(['inspect', '--format', '{{.State.Status}}', name]).stdout, /^running/);
    assert.match(podman(['top', name]).stdout, /sleep 300/);
    assert.equal(podman(['stop', '-t', '1', name]).code, 0);
    assert.equal(podman(['rm', name]).code, 0);
    assert.deepEqual(podman(['ps', '-aq']).stdout.trim(), '');
  });

  it('applies Podman\'s default pids limit, --memory and --pids-limit (-1, written as 0, is no limit)', () => {
    const limitsOf = (extra: string[]) => {
      const r = podman(['run', '--rm', ...limits, ...extra, '--rootfs', bundle.rootfs, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').slice(0, 2);
    };
    assert.equal(limitsOf([])[1], '2048');
    assert.deepEqual(limitsOf(['--memory', '64m', '--pids-limit', '50']), [String(64 << 20), '50']);
    assert.equal(limitsOf(['--pids-limit', '-1'])[1], 'max');
  });

  it('podman update changes a running container\'s limits through runts update --resources', () => {
    const name = `runts-upd-${process.pid}`;
    const run = podman(['run', '-d', '--name', name, ...limits, '--memory', '64m', '--rootfs', bundle.rootfs, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    try {
      const u = podman(['update', '--memory', '128m', '--cpu-shares', '512', name]);
      assert.equal(u.code, 0, u.stderr);
      const r = podman(['exec', name, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/cpu/cpu.shares']);
      assert.equal(r.stdout, `${128 << 20}\n512\n`, r.stderr);
    } finally {
      podman(['rm', '-f', name]);
    }
  });

  it('Podman\'s default seccomp profile is compiled and enforced', () => {
    const cc = spawnSync('cc', ['-static', '-O', '-o', join(bundle.rootfs, 'bin', 'probe'), join(import.meta.dirname, '..', 'helpers', 'syscall-nr.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    // sysfs(2) works for anyone; the profile lists it as refused (EPERM).
    const r = podman(['run', '--rm', ...limits, '--rootfs', bundle.rootfs, 'sh', '-c', `grep ^Seccomp: /proc/self/status; /bin/probe ${SYSCALLS.x86_64.sysfs} 3`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Seccomp:\s+2\n-1 1\n$/);
  });
});
