// The known runc breakouts, each attempted as an attacker would and seen to
// fail: the executor's binary (CVE-2019-5736), the caller's fds and a cwd
// outside the root (CVE-2024-21626), a mount target swapped for a symlink
// (CVE-2021-30465), /dev/null and /dev/console replaced before masking and
// binding (CVE-2025-31133, CVE-2025-52565), procfs writes redirected by a
// mount (CVE-2025-52881), and what a default container may open for writing.
// Every attack aims at a canary the test made (a temp file, a sysctl of the
// container's own network namespace), never at the host's files or settings.
//
// Each new test was seen to fail on a weakened executor (RUNTS_EXECUTOR=that
// build): main's before the procfs handle fails both CVE-2025-52881 tests (the
// sysctl went into the host canary; the exec's oom_score_adj into the fake
// /proc/self); inroot lookups without RESOLVE_IN_ROOT fail CVE-2021-30465's (a
// mount landed on the host directory); /dev/null taken unchecked and followed
// fails both /dev/null tests; /dev and console opened without their checks
// fail both CVE-2025-52565 tests; masks skipped (or followed) fail the
// symlinked-mask and the write-probe tests.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync,
  rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, Runts, type Result, waitFor } from '../helpers/runts.ts';
import { assertNotWritable, KERNEL_SETTINGS, writeProbeScript } from '../helpers/write-probe.ts';

const runts = new Runts();
const work = mkdtempSync(join(tmpdir(), 'runts-cve-'));
const swapRace = join(work, 'swap-race');
before(() => {
  const cc = spawnSync('cc', ['-O', '-o', swapRace, join(import.meta.dirname, '..', 'helpers', 'swap-race.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});
after(() => {
  runts.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A host script for a hook (the hook runs it with args [name, ...args]). */
function hookScript(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

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

describe('CVE-2019-5736: overwriting the runtime through /proc/self/exe', () => {
  it('is a sealed copy a process exec\'d into a created container can hold but never write', async () => {
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
  it('joins a running container from a sealed copy of the executor, which an exec\'d process cannot write', async () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    const pidFile = join(work, 'sealed.pid');
    try {
      runts.ok(['run', '-d', '--bundle', b.dir, id]);
      const done = runts.runAsync(['exec', '--pid-file', pidFile, id, 'sleep', '30']);
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '');
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // The executor that waits for the process is what the container could have seen.
      const executor = Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      assert.equal(readlinkSync(`/proc/${executor}/exe`), '/memfd:runts-executor (deleted)');
      assert.throws(() => writeFileSync(`/proc/${executor}/exe`, 'overwritten'), /ETXTBSY|EPERM/);
      process.kill(pid, 'SIGKILL');
      assert.equal((await done).code, 137);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
      rmSync(pidFile, { force: true });
    }
  });
});

describe('CVE-2024-21626: a host fd reaching the container, or a cwd outside it', () => {
  // Open in runts without close-on-exec, as a careless caller leaves them.
  const stray = () => {
    const fd = openSync(join(work, 'stray'), 'w');
    return { fds: { 40: fd, 300: fd, 1100: fd }, close: () => closeSync(fd) };
  };
  const fdsOf = (out: string) => out.trim().split(/\s+/).map(Number).sort((a, b) => a - b);

  it('the caller\'s stray fds reach neither the container\'s process nor an exec\'d one: only 0-2 and --preserve-fds ones do', () => {
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

describe('CVE-2021-30465: a mount target swapped for a symlink while the container is made', () => {
  it('mounts land inside the rootfs however the swap falls, never on the host directory the symlink names', async () => {
    // A process in the rootfs (here the test, as a shared volume would let
    // another container) swaps each mount target with a symlink to a host
    // directory, over and over, while containers are created. A
    // createContainer hook, in the container's mount namespace before
    // pivot_root, reports where every mount went.
    const canary = mkdtempSync(join(work, 'host-canary-'));
    writeFileSync(join(canary, 'host-file'), 'host\n');
    const volume = mkdtempSync(join(work, 'volume-'));
    writeFileSync(join(volume, 'from-volume'), 'volume\n');
    const reports = mkdtempSync(join(work, 'reports-'));
    const report = hookScript('report-mounts', 'cat /proc/self/mountinfo > "$1/$(date +%s%N)"');
    const b = makeBundle((s) => {
      s.mounts!.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      s.mounts!.push({ destination: '/vol', type: 'bind', source: volume, options: ['bind'] });
      s.hooks = { createContainer: [{ path: report, args: ['report', reports] }] };
    }, ['true']);
    const racers = ['data', 'vol'].map((name) => {
      mkdirSync(join(b.rootfs, name));
      symlinkSync(canary, join(b.rootfs, `${name}-link`));
      return spawn(swapRace, [join(b.rootfs, name), join(b.rootfs, `${name}-link`)], { stdio: ['ignore', 'pipe', 'ignore'] });
    });
    try {
      await Promise.all(racers.map((r) => new Promise((res) => r.stdout!.once('data', res))));
      let created = 0;
      for (let n = 0; n < 20; n++) {
        const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
        // Losing the race may fail the create (a lookup met the symlink's far end): never land outside.
        if (r.code === 0) created++;
        else assert.match(r.stderr, /\/data|\/vol/, r.stderr);
      }
      const mountPoints = readdirSync(reports).flatMap((f) => readFileSync(join(reports, f), 'utf8').trim().split('\n').map((l) => l.split(' ')[4]));
      assert.ok(created > 0 && mountPoints.length > 0, 'some containers were made');
      assert.deepEqual(mountPoints.filter((m) => m.startsWith(canary)), [], 'a mount landed on the host directory');
      // Every report has the tmpfs and the volume somewhere in the rootfs.
      for (const f of readdirSync(reports)) {
        const lines = readFileSync(join(reports, f), 'utf8').trim().split('\n');
        assert.ok(lines.some((l) => l.split(' ')[4].startsWith(`${b.rootfs}/`) && / - tmpfs tmpfs /.test(l) && /size=1024k/.test(l)), f);
      }
      assert.deepEqual(readdirSync(canary), ['host-file']);
      assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(canary));
    } finally {
      // A racer still swapping while the bundle is removed turns the removal's walk into a race of its own.
      await Promise.all(racers.map((r) => new Promise((res) => {
        if (r.exitCode !== null || r.signalCode !== null) res(undefined);
        else { r.once('exit', res); r.kill('SIGKILL'); }
      })));
      b.cleanup();
    }
  });
});

describe('CVE-2025-31133: a masked path\'s /dev/null replaced before masking', () => {
  const maskRun = (plant: string) => {
    // A createContainer hook runs before the masks, in the container's mount namespace.
    const hook = hookScript(`plant-${uniqueId()}`, plant);
    const b = makeBundle(undefined, ['sh', '-c', 'cat /proc/keys /proc/timer_list 2>&1']);
    writeFileSync(join(b.rootfs, 'canary'), 'CANARY\n');
    const hostCanary = join(work, `host-canary-${uniqueId()}`);
    writeFileSync(hostCanary, 'HOST-CANARY\n');
    b.spec.hooks = { createContainer: [{ path: hook, args: ['plant', b.rootfs, hostCanary] }] };
    b.write();
    try {
      const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
      return { ...r, canary: readFileSync(join(b.rootfs, 'canary'), 'utf8'), hostCanary: readFileSync(hostCanary, 'utf8') };
    } finally {
      b.cleanup();
    }
  };

  it('fails rather than mask with a /dev/null that is a symlink', () => {
    const r = maskRun('rm "$1/dev/null" && ln -s /canary "$1/dev/null"');
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /CANARY/);
    assert.match(r.stderr, /mask \/proc\/\w+: \/dev\/null is not the null device/);
    assert.equal(r.canary, 'CANARY\n');
  });

  it('fails rather than mask with a /dev/null that is a host file bound there', () => {
    const r = maskRun('/bin/mount --bind "$2" "$1/dev/null"');
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /CANARY/);
    assert.match(r.stderr, /\/dev\/null is not the null device/);
    assert.equal(r.hostCanary, 'HOST-CANARY\n');
  });

  it('masks a path that is a symlink by covering the link, not what it points at', () => {
    const b = makeBundle(undefined, ['sh', '-c', 'cat /etc/link | wc -c; cat /canary']);
    writeFileSync(join(b.rootfs, 'canary'), 'CANARY\n');
    symlinkSync('/canary', join(b.rootfs, 'etc', 'link'));
    b.spec.linux!.maskedPaths!.push('/etc/link');
    b.write();
    try {
      const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '0\nCANARY\n');
    } finally {
      b.cleanup();
    }
  });
});

describe('CVE-2025-52565: /dev/console replaced by a symlink', () => {
  /** A foreground run -t, its terminal relayed by runts to the one script(1) gives it. */
  const relayed = (tb: Bundle) => {
    const cmd = [RUNTS, ...runts.args(['run', '--bundle', tb.dir, uniqueId()])].join(' ');
    return spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  };
  const imageDev = (edit?: (b: Bundle) => void) => {
    const tb = makeBundle((s) => {
      s.process!.terminal = true;
      // The image's own /dev: no tmpfs over it, only devpts for the pty.
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
      s.linux!.maskedPaths = [];
    }, ['sh', '-c', 'echo ran']);
    mkdirSync(join(tb.rootfs, 'dev', 'pts'));
    symlinkSync('pts/ptmx', join(tb.rootfs, 'dev', 'ptmx'));
    writeFileSync(join(tb.rootfs, 'canary'), 'CANARY\n');
    edit?.(tb);
    return tb;
  };

  it('refuses a /dev/console that is a symlink, leaving what it points at alone', () => {
    const tb = imageDev((b) => symlinkSync('/canary', join(b.rootfs, 'dev', 'console')));
    try {
      const r = relayed(tb);
      assert.notEqual(r.status, 0);
      assert.match(r.stdout, /\/dev\/console is neither a file nor a character device/);
      assert.doesNotMatch(r.stdout, /ran/);
      assert.equal(readFileSync(join(tb.rootfs, 'canary'), 'utf8'), 'CANARY\n');
    } finally {
      tb.cleanup();
    }
  });

  it('refuses a /dev that is a symlink on the way to the console', () => {
    const tb = imageDev((b) => {
      mkdirSync(join(b.rootfs, 'elsewhere'));
      writeFileSync(join(b.rootfs, 'elsewhere', 'console'), 'CANARY\n');
      rmSync(join(b.rootfs, 'dev'), { recursive: true });
      symlinkSync('/elsewhere', join(b.rootfs, 'dev'));
      mkdirSync(join(b.rootfs, 'elsewhere', 'pts'));
      symlinkSync('pts/ptmx', join(b.rootfs, 'elsewhere', 'ptmx'));
    });
    try {
      const r = relayed(tb);
      assert.notEqual(r.status, 0);
      assert.match(r.stdout, /open \/dev \(symlinks refused\)/);
      assert.equal(readFileSync(join(tb.rootfs, 'elsewhere', 'console'), 'utf8'), 'CANARY\n');
    } finally {
      tb.cleanup();
    }
  });
});

describe('CVE-2025-52881: procfs writes redirected through a mount', () => {
  it('a sysctl is never written through a file mounted over it: the container fails, the file is untouched', () => {
    // net.ipv4.ip_forward of the container's own network namespace; a
    // createContainer hook binds a host canary over it before the write.
    const hostCanary = join(work, 'sysctl-canary');
    writeFileSync(hostCanary, 'CANARY\n');
    const plant = hookScript('plant-sysctl', '/bin/mount --bind "$2" "$1/proc/sys/net/ipv4/ip_forward"');
    const b = makeBundle((s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, ['cat', '/proc/sys/net/ipv4/ip_forward']);
    b.spec.hooks = { createContainer: [{ path: plant, args: ['plant', b.rootfs, hostCanary] }] };
    b.write();
    try {
      const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /write \/proc\/sys\/net\/ipv4\/ip_forward: EXDEV/);
      assert.equal(readFileSync(hostCanary, 'utf8'), 'CANARY\n');
      // Without the mount the same sysctl is set, in the container's own namespace.
      b.spec.hooks = {};
      b.write();
      const ok = runts.run(['run', '--bundle', b.dir, uniqueId()]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, '1\n');
    } finally {
      b.cleanup();
    }
  });

  it('an exec\'s oom_score_adj is never written into a /proc the container faked', async () => {
    // A container that may mount puts a tmpfs over its /proc, with a "self"
    // holding a file of its own: the write must go to procfs or nowhere.
    const b = makeBundle((s) => {
      s.root!.readonly = false;
      for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_SYS_ADMIN');
    }, ['sh', '-c', 'mount -t tmpfs none /proc && mkdir /proc/self && echo fake > /proc/self/oom_score_adj && touch /ready && sleep 30']);
    const id = uniqueId();
    const proc = join(work, 'oom-process.json');
    writeFileSync(proc, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['true'], env: ['PATH=/bin'], cwd: '/', oomScoreAdj: 500 }));
    try {
      runts.ok(['run', '-d', '--bundle', b.dir, id]);
      await waitFor(() => existsSync(join(b.rootfs, 'ready')));
      const r = runts.run(['exec', '--process', proc, id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /write \/proc\/self\/oom_score_adj: EXDEV/);
      assert.equal(runts.ok(['exec', id, 'cat', '/proc/self/oom_score_adj']), 'fake\n');
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });
});

describe('a default container and the host\'s kernel settings', () => {
  it('cannot open /proc/sysrq-trigger, core_pattern or a masked directory for writing (EROFS or EACCES); a masked file opens only the null device', () => {
    // A masked file is the container's verified /dev/null, as with runc: it
    // opens, onto the null device (1:3), which reads empty and takes nothing.
    const b = makeBundle();
    const masked = b.spec.linux!.maskedPaths!;
    b.spec.process!.args = ['sh', '-c', writeProbeScript([...KERNEL_SETTINGS, ...masked])];
    b.write();
    try {
      const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
      assert.equal(r.code, 0, r.stderr);
      // This host's kernel has no sysrq-trigger nor kcore: the v2 guest's tries them (guest/cve.ts).
      const present = [...KERNEL_SETTINGS, ...masked].filter((f) => existsSync(f));
      assert.ok(present.includes('/proc/sys/kernel/core_pattern') && present.includes('/proc/keys') && present.includes('/proc/timer_list'));
      assertNotWritable(r.stdout, present, masked);
    } finally {
      b.cleanup();
    }
  });
});
