// runts in place of runc under containerd (1.6, Debian's): ctr drives the
// io.containerd.runc.v2 shim, which calls runts as it would call runc
// (create with --log and --log-format json, start, state, kill, delete, exec
// with --process). Everything ctr and the shim keep goes under a temp dir.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSCALLS } from '../../src/runtime/seccomp/tables.ts';
import { type Containerd, startContainerd } from '../helpers/containerd.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, waitFor } from '../helpers/runts.ts';

const RUNTS_BIN = resolve(import.meta.dirname, '..', '..', 'build', 'runts');
const NS = `runts-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'runts-containerd-'));
const runtsRoot = join(dir, 'runts-root');
const bundle = makeBundle();
let cd: Containerd;

/** ctr run's flags for runts: its binary, its state root, the fifos, a plain rootfs. ctr's
 * spec asks for nothing runts refuses (src/oci/unenforced.ts): no AppArmor profile (only
 * with --apparmor-*); containerd's seccomp profile (with --seccomp) is compiled and enforced,
 * and its resources (1024 cpu shares, device rules) apply. */
const runFlags = () => [
  '--rootfs', '--runc-binary', RUNTS_BIN, '--runc-root', runtsRoot, '--fifo-dir', join(dir, 'fifo'),
];

before(async () => {
  mkdirSync(join(dir, 'fifo'));
  cd = await startContainerd(dir);
});

after(async () => {
  // A test that failed half way may leave a task (even a paused one): runts's delete --force ends it.
  for (const id of cd?.ctr(NS, ['container', 'ls', '-q']).stdout.split('\n').filter(Boolean) ?? []) {
    cd.ctr(NS, ['task', 'delete', '--force', id]);
    cd.ctr(NS, ['container', 'delete', id]);
  }
  await cd?.stop();
  bundle.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function assertNothingLeft(id: string): void {
  // The shim gives runts --root <runc-root>/<namespace>; the root itself stays, as runc's does.
  const root = join(runtsRoot, NS);
  assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);
  assert.deepEqual(cgroupDirsOf(id), []);
  assert.deepEqual(cgroupDirsOf(NS), [], `the namespace's cgroup parent /${NS} stayed`);
}

describe('containerd with runts as its runc', () => {
  it('runs a container to its exit status and output', () => {
    const id = uniqueId('cd');
    const r = cd.ctr(NS, ['run', '--rm', ...runFlags(), bundle.rootfs, id, 'sh', '-c', 'echo hello from runts; hostname; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^hello from runts\n/);
    assertNothingLeft(id);
  });

  it('runs with a terminal: the shim hands runts a console socket and gets the pty master', () => {
    const id = uniqueId('cd');
    // ctr -t wants a terminal of its own: script gives it one.
    const cmd = ['ctr', '--address', cd.sock, '-n', NS, 'run', '-t', '--rm', ...runFlags(), bundle.rootfs, id, 'sh', '-c', 'tty; echo tty-ok']
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/0\r?\r?\ntty-ok/);
    assertNothingLeft(id);
  });

  it('a create that fails reaches ctr with runts\'s own words (the shim reads the json log)', () => {
    const id = uniqueId('cd');
    const r = cd.ctr(NS, ['run', '--rm', ...runFlags(), bundle.rootfs, id, '/nonexistent/prog']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /OCI runtime create failed: exec: \/nonexistent\/prog: not an executable file: ENOENT.*\(step \d+, find-exec\)/);
    cd.ctr(NS, ['container', 'delete', id]);
    assertNothingLeft(id);
  });

  it('containerd\'s seccomp profile (ctr run --seccomp) is compiled and enforced', () => {
    const cc = spawnSync('cc', ['-static', '-O', '-o', join(bundle.rootfs, 'bin', 'probe'), join(import.meta.dirname, '..', 'helpers', 'syscall-nr.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const id = uniqueId('cd');
    // keyctl and unshare (without CAP_SYS_ADMIN) are not in the profile: EPERM, where the
    // kernel alone would give the session keyring's id and a new user namespace.
    const nr = SYSCALLS.x86_64;
    const script = `echo hello; grep ^Seccomp: /proc/self/status; /bin/probe ${nr.keyctl} 0 0xfffffffffffffffd; /bin/probe ${nr.unshare} 0x10000000`;
    const r = cd.ctr(NS, ['run', '--rm', '--seccomp', ...runFlags(), bundle.rootfs, id, 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hello\nSeccomp:\s+2\n-1 1\n-1 1\n$/);
    assertNothingLeft(id);
  });

  it('applies ctr\'s default cpu shares and --memory-limit', async () => {
    const id = uniqueId('cd');
    const run = cd.ctr(NS, ['run', '-d', ...runFlags(), '--memory-limit', String(64 << 20), bundle.rootfs, id, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    const dirs = cgroupDirsOf(id);
    const file = (ctrl: string, name: string) => readFileSync(join(dirs.find((d) => d.startsWith(`/sys/fs/cgroup/${ctrl}/`))!, name), 'utf8').trim();
    assert.equal(file('cpu', 'cpu.shares'), '1024');
    assert.equal(file('memory', 'memory.limit_in_bytes'), String(64 << 20));
    assert.equal(cd.ctr(NS, ['task', 'kill', '-s', 'KILL', id]).code, 0);
    await waitFor(() => /STOPPED/.test(cd.ctr(NS, ['task', 'ls']).stdout), 10_000);
    assert.equal(cd.ctr(NS, ['task', 'delete', id]).code, 0);
    assert.equal(cd.ctr(NS, ['container', 'delete', id]).code, 0);
    assertNothingLeft(id);
  });

  it('runs detached; exec, ps, kill and delete go through the shim to runts', async () => {
    const id = uniqueId('cd');
    const run = cd.ctr(NS, ['run', '-d', ...runFlags(), bundle.rootfs, id, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(cd.ctr(NS, ['task', 'ls']).stdout, new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, 'm'));
    const exec = cd.ctr(NS, ['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo in exec; cat /proc/1/cmdline']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, 'in exec\nsleep\x00300\x00');
    assert.match(cd.ctr(NS, ['task', 'ps', id]).stdout, /^PID/);
    const status = () => new RegExp(`^${id}\\s+\\d+\\s+(\\S+)`, 'm').exec(cd.ctr(NS, ['task', 'ls']).stdout)?.[1];
    assert.equal(cd.ctr(NS, ['task', 'pause', id]).code, 0);
    assert.equal(status(), 'PAUSED');
    assert.equal(cd.ctr(NS, ['task', 'resume', id]).code, 0);
    assert.equal(status(), 'RUNNING');
    assert.equal(cd.ctr(NS, ['task', 'kill', '-s', 'KILL', id]).code, 0);
    await waitFor(() => /STOPPED/.test(cd.ctr(NS, ['task', 'ls']).stdout), 10_000);
    assert.equal(cd.ctr(NS, ['task', 'delete', id]).code, 0);
    assert.equal(cd.ctr(NS, ['container', 'delete', id]).code, 0);
    assertNothingLeft(id);
  });
});
