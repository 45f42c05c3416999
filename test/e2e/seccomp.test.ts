// Seccomp from inside containers: a system call made by number
// (test/helpers/syscall-nr.c) meets the filter runts compiled, for the
// init and for exec'd processes, on the x86_64, x86 and x32 entries.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LinuxSeccomp, SeccompArch, Spec } from '../../src/oci/spec.ts';
import { SYSCALLS } from '../../src/runtime/seccomp/tables.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { CONTAINERS_PROFILE, containersProfile } from '../helpers/containers-seccomp.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
const work = mkdtempSync(join(tmpdir(), 'runts-seccomp-'));
const probe = join(work, 'syscall-probe');
const NR = SYSCALLS.x86_64;
const SIGSYS = 31;

before(() => {
  const cc = spawnSync('cc', ['-static', '-O', '-o', probe, join(import.meta.dirname, '..', 'helpers', 'syscall-nr.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});
after(() => {
  runts.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function bundleWith(seccomp: LinuxSeccomp | undefined, args: string[], edit?: (s: Spec) => void): Bundle {
  const b = makeBundle((s) => {
    if (seccomp) s.linux!.seccomp = seccomp;
    edit?.(s);
  }, args);
  copyFileSync(probe, join(b.rootfs, 'bin', 'probe'));
  return b;
}

/** Runs args in a container under the filter, in the foreground: its status and output. */
function run(seccomp: LinuxSeccomp | undefined, args: string[], edit?: (s: Spec) => void): { code: number; out: string; err: string } {
  const b = bundleWith(seccomp, args, edit);
  try {
    const r = runts.run(['run', '--bundle', b.dir, uniqueId('sc')]);
    return { code: r.code, out: r.stdout.trim(), err: r.stderr };
  } finally {
    b.cleanup();
  }
}

const block = (name: string, action: LinuxSeccomp['defaultAction'], errnoRet?: number): LinuxSeccomp => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names: [name], action, ...(errnoRet !== undefined ? { errnoRet } : {}) }],
});

describe('seccomp: actions, from inside the container', () => {
  it('ERRNO returns the configured errno; other calls go through', () => {
    assert.equal(run(block('getppid', 'SCMP_ACT_ERRNO', 99), ['/bin/probe', String(NR.getppid)]).out, '-1 99');
    assert.equal(run(block('getppid', 'SCMP_ACT_ERRNO'), ['/bin/probe', String(NR.getppid)]).out, '-1 1', 'EPERM by default');
    assert.match(run(block('getppid', 'SCMP_ACT_ERRNO', 99), ['/bin/probe', String(NR.getpid)]).out, /^1 0$/);
  });

  it('KILL, KILL_THREAD and KILL_PROCESS end the process by SIGSYS; TRAP delivers SIGSYS to a handler', () => {
    for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS'] as const) {
      const r = run(block('getppid', action), ['/bin/probe', '-trap', String(NR.getppid)]);
      assert.equal(r.code, 128 + SIGSYS, `${action}: ${r.err}`);
      assert.equal(r.out, '', `${action}: no handler ran`);
    }
    assert.equal(run(block('getppid', 'SCMP_ACT_TRAP'), ['/bin/probe', '-trap', String(NR.getppid)]).out, `SIGSYS ${NR.getppid}`);
  });

  it('TRACE without a tracer fails the call with ENOSYS; ALLOW over a refusing default lets it through', () => {
    assert.equal(run(block('getppid', 'SCMP_ACT_TRACE'), ['/bin/probe', String(NR.getppid)]).out, '-1 38');
    const r = run({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ALLOW' }] }, ['/bin/probe', String(NR.getppid)]);
    assert.equal(r.out, '0 0');
  });

  it('LOG lets the call through and the kernel logs it', () => {
    const comm = `sclog${process.pid % 100000}`;
    const b = bundleWith(block('getppid', 'SCMP_ACT_LOG'), [`/bin/${comm}`, String(NR.getppid)]);
    copyFileSync(probe, join(b.rootfs, 'bin', comm));
    const r = runts.run(['run', '--bundle', b.dir, uniqueId('sc')]);
    b.cleanup();
    assert.equal(r.stdout.trim(), '0 0');
    const logged = kmsg().filter((l) => l.includes(`comm="${comm}"`) && l.includes(`syscall=${NR.getppid} `));
    assert.ok(logged.length > 0, 'a type=1326 record for the call');
    assert.match(logged[0], /code=0x7ffc0000/);
  });
});

/** The kernel's log records, read without blocking. */
function kmsg(): string[] {
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const out: string[] = [];
  const buf = Buffer.alloc(8192);
  try {
    for (;;) {
      try {
        const n = readSync(fd, buf);
        out.push(buf.toString('utf8', 0, n));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue; // records overwritten while reading
        throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

describe('seccomp: argument rules', () => {
  const personality: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_NE' }] }],
  };
  it('personality(0xffffffff) is allowed, any other value refused, high word included', () => {
    assert.equal(run(personality, ['/bin/probe', String(NR.personality), '0xffffffff']).out, '0 0');
    assert.equal(run(personality, ['/bin/probe', String(NR.personality), '8']).out, '-1 13');
    assert.equal(run(personality, ['/bin/probe', String(NR.personality), '0x1ffffffff']).out, '-1 13');
  });

  it('conditions on several arguments are ANDed; several rules for one syscall ORed; MASKED_EQ', () => {
    const sc: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 4000000, op: 'SCMP_CMP_GE' }, { index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 98, args: [{ index: 1, value: 0x30, valueTwo: 0x10, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    };
    const kill = (pid: string, sig: string) => run(sc, ['/bin/probe', String(NR.kill), pid, sig]).out;
    assert.equal(kill('4000001', '0'), '-1 97', 'both conditions hold');
    assert.equal(kill('4000001', '1'), '-1 3', 'one fails: the kernel answers (ESRCH)');
    assert.equal(kill('3999999', '0'), '-1 3');
    assert.equal(kill('4000001', String(0x1f)), '-1 98', '(0x1f & 0x30) == 0x10: the second rule');
    assert.equal(kill('4000001', String(0x2f)), '-1 3');
  });
});

describe('seccomp: when the filter is loaded', () => {
  const sc = block('getppid', 'SCMP_ACT_ERRNO', 99);
  for (const nnp of [true, false]) {
    it(`noNewPrivileges ${nnp}: the init and exec'd processes are filtered, for run and for create+start`, async () => {
      const out = mkdtempSync(join(work, 'out-'));
      const b = bundleWith(sc, ['sh', '-c', '/bin/probe 110 > /out/init; sleep 30'], (s) => {
        s.process!.noNewPrivileges = nnp;
        s.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      });
      const id = uniqueId('sc');
      runts.ok(['create', '--bundle', b.dir, id]);
      runts.ok(['start', id]);
      await waitForFile(join(out, 'init'));
      assert.equal(readFileSync(join(out, 'init'), 'utf8').trim(), '-1 99');
      assert.equal(runts.ok(['exec', id, '/bin/probe', String(NR.getppid)]).trim(), '-1 99');
      // exec --process with its own noNewPrivileges: the container's filter all the same.
      const proc = join(b.dir, 'process.json');
      writeFileSync(proc, JSON.stringify({ ...b.spec.process, noNewPrivileges: !nnp, args: ['/bin/probe', String(NR.getppid)] }));
      assert.equal(runts.ok(['exec', '--process', proc, id]).trim(), '-1 99');
      runts.ok(['delete', '--force', id]);
      b.cleanup();
    });
  }
});

describe('seccomp: what the runtime itself calls after loading', () => {
  it('a profile older than close_range (refused, or ENOSYS above its highest call) still starts the container', () => {
    const refused = run(block('close_range', 'SCMP_ACT_ERRNO'), ['/bin/probe', String(NR.close_range), '3', '3', '0']);
    assert.equal(refused.out, '-1 1', refused.err);
    const old: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: Object.keys(NR).filter((n) => NR[n] < NR.close_range), action: 'SCMP_ACT_ALLOW' }] };
    const r = run(old, ['/bin/probe', String(NR.close_range), '3', '3', '0']);
    assert.equal(r.out, '-1 38', r.err);
  });
});

async function waitForFile(path: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!existsSync(path) || readFileSync(path, 'utf8') === '') {
    if (Date.now() > end) throw new Error(`${path} never written`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('seccomp: the 32-bit entries', () => {
  const sc = (archs: SeccompArch[]): LinuxSeccomp => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: archs,
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 99 }],
  });
  it('x86 (int $0x80) is filtered by its own numbers when listed, killed when not', () => {
    assert.equal(run(sc(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']), ['/bin/probe', '-32', String(SYSCALLS.x86.getppid)]).out, '-1 99');
    assert.match(run(sc(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']), ['/bin/probe', '-32', String(SYSCALLS.x86.getpid)]).out, /^1 0$/);
    assert.equal(run(sc(['SCMP_ARCH_X86_64']), ['/bin/probe', '-32', String(SYSCALLS.x86.getpid)]).code, 128 + SIGSYS);
  });
  it('x32 numbers (bit 30) are filtered when listed, killed when not', () => {
    assert.equal(run(sc(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']), ['/bin/probe', String(SYSCALLS.x32.getppid)]).out, '-1 99');
    assert.equal(run(sc(['SCMP_ARCH_X86_64']), ['/bin/probe', String(SYSCALLS.x32.getppid)]).code, 128 + SIGSYS);
  });
});

describe('seccomp: Podman\'s default profile', { skip: !existsSync(CONTAINERS_PROFILE) && `${CONTAINERS_PROFILE} is not installed (Debian's golang-github-containers-common)` }, () => {
  const profile = (): LinuxSeccomp => containersProfile(makeBundle().spec.process!.capabilities!.bounding!);
  it('runs busybox and a shell script normally', () => {
    const r = run(profile(), ['sh', '-c', 'for i in 1 2 3; do echo $i; done | wc -l; mkdir /dev/shm/d && touch /dev/shm/d/f && ls /dev/shm/d; id -u; cat /proc/self/status | grep -c Seccomp']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n'), ['3', 'f', '0', '2']);
    assert.match(run(profile(), ['grep', '^Seccomp:', '/proc/self/status']).out, /^Seccomp:\s+2$/);
  });
  it('refuses what it lists, with its errno; unlisted calls get the default; newer ones ENOSYS', () => {
    const p = profile();
    assert.equal(run(p, ['/bin/probe', String(NR.sysfs), '3']).out, '-1 1', 'sysfs: listed as refused');
    assert.equal(run(p, ['/bin/probe', String(NR.acct), '0']).out, '-1 1', 'acct: only with CAP_SYS_PACCT');
    assert.equal(run(p, ['/bin/probe', String(NR.personality), '0x1234']).out, '-1 38');
    assert.equal(run(p, ['/bin/probe', String(NR.personality), '0xffffffff']).out, '0 0');
    const eperm = { ...p, defaultErrnoRet: 1 };
    assert.equal(run(eperm, ['/bin/probe', String(NR.add_key)]).out, '-1 1', 'add_key: unlisted, the default errno');
    assert.equal(run(eperm, ['/bin/probe', '460']).out, '-1 38', 'a number beyond the profile: ENOSYS (runc\'s stub)');
  });
});

describe('seccomp: NOTIFY', () => {
  const agent = join(work, 'seccomp-agent');
  const sock = join(work, 'agent.sock');
  const log = join(work, 'agent.log');
  let child: ReturnType<typeof spawn> | undefined;
  before(async () => {
    const cc = spawnSync('cc', ['-O', '-o', agent, join(import.meta.dirname, '..', 'helpers', 'seccomp-agent.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    child = spawn(agent, [sock, log], { stdio: 'ignore' });
    const end = Date.now() + 5000;
    while (!existsSync(sock)) {
      if (Date.now() > end) throw new Error('the agent never listened');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  after(() => child?.kill());

  const profile = (listenerPath = sock): LinuxSeccomp => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath,
    listenerMetadata: 'MKNOD=/dev/null;test=runts',
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const records = () => readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

  it('the agent gets the listener and runc\'s process state; its answer reaches the container process', () => {
    const b = bundleWith(profile(), ['/bin/probe', String(NR.getppid)]);
    const id = uniqueId('sc');
    const r = runts.run(['run', '--bundle', b.dir, id]);
    b.cleanup();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '4242 0', 'the agent\'s value, not the parent\'s pid');
    const rec = records().find((x) => x.state.id === id);
    assert.ok(rec, 'a state for the container');
    assert.deepEqual(rec.fds, ['seccompFd']);
    assert.equal(rec.metadata, 'MKNOD=/dev/null;test=runts');
    assert.equal(rec.state.status, 'creating');
    assert.equal(rec.state.pid, rec.pid);
    assert.equal(rec.state.bundle, b.dir);
    assert.ok(rec.pid > 1);
    assert.match(readFileSync(log, 'utf8'), new RegExp(`^call ${NR.getppid}$`, 'm'));
  });

  it('an exec\'d process brings the agent a listener of its own', () => {
    const b = bundleWith(profile(), ['sleep', '30']);
    const id = uniqueId('sc');
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const init = runts.state(id).pid;
    assert.equal(runts.ok(['exec', id, '/bin/probe', String(NR.getppid)]).trim(), '4242 0');
    const recs = records().filter((x) => x.state.id === id);
    assert.equal(recs.length, 2, 'the init\'s, then the exec\'s');
    assert.equal(recs[1].state.status, 'running');
    assert.equal(recs[1].state.pid, init);
    assert.notEqual(recs[1].pid, init);
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });

  it('no agent at listenerPath: create fails naming it, nothing left behind', () => {
    const b = bundleWith(profile(join(work, 'nobody.sock')), ['true']);
    const id = uniqueId('sc');
    const r = runts.run(['run', '--bundle', b.dir, id]);
    b.cleanup();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /seccomp agent at .*nobody\.sock \(linux\.seccomp\.listenerPath\)/);
    assert.ok(!existsSync(join(runts.root, id)));
    assert.deepEqual(cgroupDirsOf(id), []);
  });
});

describe('seccomp: bad input', () => {
  const bad: [string, LinuxSeccomp, RegExp][] = [
    ['an unknown operator', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_NOPE' as 'SCMP_CMP_EQ' }] }] }, /linux\.seccomp\.syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_NOPE"/],
    ['an arg index of 6', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /linux\.seccomp\.syscalls\[0\]\.args\[0\]\.index/],
    ['an unknown arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_PDP11' as SeccompArch] }, /linux\.seccomp\.architectures\[0\]: unknown architecture/],
    ['a malformed errnoRet', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 'EPERM' as unknown as number }, /linux\.seccomp\.defaultErrnoRet: must be an integer/],
  ];
  for (const [what, sc, re] of bad) {
    it(`${what}: refused by name, nothing left behind`, () => {
      const b = bundleWith(sc, ['true']);
      const id = uniqueId('sc');
      const r = runts.run(['run', '--bundle', b.dir, id]);
      b.cleanup();
      assert.equal(r.code, 1);
      assert.match(r.stderr, re);
      assert.ok(!existsSync(join(runts.root, id)), 'state directory left');
      assert.deepEqual(cgroupDirsOf(id), []);
    });
  }
});
