// What a container can reach of the runtime that made it: the executor's
// binary (CVE-2019-5736), the caller's stray fds (CVE-2024-21626), a cwd
// outside its root, the caller's environment.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, Runts, type Result, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
const work = mkdtempSync(join(tmpdir(), 'runts-escape-'));
after(() => {
  runts.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const EXECUTOR = resolve(import.meta.dirname, '..', '..', 'build', 'runts-executor');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** runts with extra fds open in it without close-on-exec (fds[n] becomes its fd n), and env. */
function runtsWith(args: string[], opts: { fds?: Record<number, number>; env?: NodeJS.ProcessEnv; stdin?: number } = {}): Result {
  const out = openSync(join(work, 'out'), 'w+');
  const err = openSync(join(work, 'err'), 'w+');
  const slots = Object.keys(opts.fds ?? {}).map(Number);
  const stdio: (number | 'ignore')[] = [opts.stdin ?? 'ignore', out, err];
  for (let n = 3; n <= Math.max(0, ...slots); n++) stdio.push(opts.fds?.[n] ?? 'ignore');
  try {
    const r = spawnSync(RUNTS, runts.args(args), { stdio, env: opts.env, timeout: 60_000 });
    return { code: r.status ?? -1, stdout: readFileSync(join(work, 'out'), 'utf8'), stderr: readFileSync(join(work, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

describe('the executor binary', () => {
  it('is a sealed copy a process exec\'d into a created container can hold but never write (CVE-2019-5736)', async () => {
    // The attack aims at a canary copy of the executor, run in its place.
    const canary = join(work, 'runts-executor');
    copyFileSync(EXECUTOR, canary);
    chmodSync(canary, 0o755);
    const canaryHash = sha256(canary);
    const hostHash = sha256(EXECUTOR);
    const env = { ...process.env, RUNTS_EXECUTOR: canary };
    const b = makeBundle((s) => (s.root!.readonly = false), ['sleep', '30']);
    const id = uniqueId();
    try {
      assert.equal(runtsWith(['create', '--bundle', b.dir, id], { env }).code, 0);
      // Holds the init's executor open, waits for start to replace it by
      // the user process (nothing runs the file then), and writes to it.
      const attack = [
        'link=$(readlink /proc/1/exe); echo "$link" > /tmp/link',
        'exec 3</proc/1/exe || exit 1',
        'echo holding > /tmp/state',
        'while test "$(readlink /proc/1/exe)" = "$link"; do sleep 0.01; done',
        'sleep 0.05',
        'if printf pwned 1<>/proc/self/fd/3; then echo wrote; else echo refused; fi > /tmp/result 2>&1',
      ].join('\n');
      assert.equal(runtsWith(['exec', '-d', id, 'sh', '-c', attack], { env }).code, 0);
      await waitFor(() => existsSync(join(b.rootfs, 'tmp', 'state')));
      assert.equal(runtsWith(['start', id], { env }).code, 0);
      await waitFor(() => existsSync(join(b.rootfs, 'tmp', 'result')) && readFileSync(join(b.rootfs, 'tmp', 'result'), 'utf8').includes('\n'));
      assert.equal(readFileSync(join(b.rootfs, 'tmp', 'link'), 'utf8'), '/memfd:runts-executor (deleted)\n');
      assert.equal(readFileSync(join(b.rootfs, 'tmp', 'result'), 'utf8').trim().split('\n').at(-1), 'refused');
      assert.equal(sha256(canary), canaryHash, 'the container wrote to the executor');
      assert.equal(sha256(EXECUTOR), hostHash);
    } finally {
      runtsWith(['delete', '--force', id], { env });
      b.cleanup();
    }
  });

  it('is what an entrypoint of #!/proc/self/exe re-executes: the sealed copy, not the host\'s file', async () => {
    const b = makeBundle((s) => (s.root!.readonly = false), ['/reexec']);
    writeFileSync(join(b.rootfs, 'reexec'), '#!/proc/self/exe\n', { mode: 0o755 });
    const id = uniqueId();
    // The re-executed executor reads a plan from its fd 0: a FIFO held open here keeps it waiting.
    const fifo = join(work, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const stdin = openSync(fifo, 'r+');
    try {
      const run = runtsWith(['run', '-d', '--bundle', b.dir, id], { stdin });
      assert.equal(run.code, 0, run.stderr);
      const r = runtsWith(['exec', id, 'sh', '-c', 'readlink /proc/1/exe; printf x 1<>/proc/1/exe || echo refused']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['/memfd:runts-executor (deleted)', 'refused']);
    } finally {
      closeSync(stdin);
      runtsWith(['delete', '--force', id]);
      b.cleanup();
    }
  });
});

describe('the caller\'s fds', () => {
  // Open in runts without close-on-exec, as a careless caller leaves them.
  const stray = () => {
    const fd = openSync(join(work, 'stray'), 'w');
    return { fds: { 40: fd, 300: fd, 1100: fd }, close: () => closeSync(fd) };
  };
  const fdsOf = (out: string) => out.trim().split(/\s+/).map(Number).sort((a, b) => a - b);

  it('reach neither the container\'s process nor an exec\'d one: only 0-2 and --preserve-fds ones do', () => {
    const s = stray();
    const b = makeBundle((spec) => (spec.root!.readonly = false), ['sh', '-c', 'ls /proc/$$/fd; true']);
    const id = uniqueId();
    try {
      const run = runtsWith(['run', '--bundle', b.dir, uniqueId()], { fds: s.fds });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(fdsOf(run.stdout), [0, 1, 2]);
      const preserved = runtsWith(['run', '--preserve-fds', '1', '--bundle', b.dir, uniqueId()], { fds: { ...s.fds, 3: s.fds[40] } });
      assert.equal(preserved.code, 0, preserved.stderr);
      assert.deepEqual(fdsOf(preserved.stdout), [0, 1, 2, 3]);
      b.spec.process!.args = ['sleep', '30'];
      b.write();
      assert.equal(runtsWith(['run', '-d', '--bundle', b.dir, id], { fds: s.fds }).code, 0);
      const exec = runtsWith(['exec', id, 'sh', '-c', 'ls /proc/$$/fd; true'], { fds: s.fds });
      assert.equal(exec.code, 0, exec.stderr);
      assert.deepEqual(fdsOf(exec.stdout), [0, 1, 2]);
    } finally {
      runtsWith(['delete', '--force', id]);
      b.cleanup();
      s.close();
    }
  });

  it('cannot give the process a cwd outside the container\'s root (/proc/self/fd/N of a host directory)', () => {
    const hostDir = mkdtempSync(join(work, 'host-dir-'));
    writeFileSync(join(hostDir, 'host-canary'), 'host\n');
    const dirFd = openSync(hostDir, 'r');
    const b = makeBundle(undefined, ['sh', '-c', 'pwd; ls']);
    const id = uniqueId();
    try {
      b.spec.process!.cwd = '/proc/self/fd/3';
      b.write();
      const run = runtsWith(['run', '--preserve-fds', '1', '--bundle', b.dir, uniqueId()], { fds: { 3: dirFd, 40: dirFd } });
      assert.notEqual(run.code, 0, run.stdout);
      assert.doesNotMatch(run.stdout, /host-canary/);
      b.spec.process!.cwd = '/';
      b.spec.process!.args = ['sleep', '30'];
      b.write();
      assert.equal(runtsWith(['run', '-d', '--bundle', b.dir, id]).code, 0);
      for (const cwd of ['/proc/self/fd/3', '/proc/self/fd/40']) {
        const exec = runtsWith(['exec', '--preserve-fds', '1', '--cwd', cwd, id, 'sh', '-c', 'pwd; ls'], { fds: { 3: dirFd, 40: dirFd } });
        assert.notEqual(exec.code, 0, exec.stdout);
        assert.doesNotMatch(exec.stdout, /host-canary/);
        assert.match(exec.stderr, /chdir|cwd/);
      }
    } finally {
      runtsWith(['delete', '--force', id]);
      closeSync(dirFd);
      b.cleanup();
    }
  });
});

describe('the caller\'s environment', () => {
  it('does not reach the init of a created container (/proc/1/environ)', () => {
    const env = { ...process.env, RUNTS_TEST_MARKER: 'caller-secret' };
    const b = makeBundle(undefined, ['true']);
    const id = uniqueId();
    try {
      assert.equal(runtsWith(['create', '--bundle', b.dir, id], { env }).code, 0);
      const r = runtsWith(['exec', id, 'cat', '/proc/1/environ'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /RUNTS_TEST_MARKER|caller-secret/);
      const host = readFileSync(`/proc/${runts.state(id).pid}/environ`, 'utf8');
      assert.doesNotMatch(host, /caller-secret/);
    } finally {
      runtsWith(['delete', '--force', id]);
      b.cleanup();
    }
  });
});
