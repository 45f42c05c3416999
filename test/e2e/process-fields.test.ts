// The process fields of runtime-spec 1.2/1.3, observed from inside the
// container, for create and for exec: capabilities the kernel lacks (warned of
// and skipped), personality, ioPriority, scheduler, execCPUAffinity, and the
// session keyring. Each bad value is refused by field with nothing left.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Process, Spec } from '../../src/oci/spec.ts';
import { capMask } from '../../src/runtime/capabilities.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const status = (out: string, key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(out)?.[1];
const hex = (names: string[]) => capMask(names).toString(16).padStart(16, '0');

/** A bundle whose rootfs also has the busybox applets these tests read with. */
function bundle(args: string[], edit?: (s: Spec) => void): Bundle {
  const b = makeBundle(edit, args);
  for (const applet of ['uname', 'ionice', 'taskset']) symlinkSync('busybox', join(b.rootfs, 'bin', applet));
  return b;
}

/** Runs args in a fresh container; returns its output, failing on a non-zero exit. */
function runIn(args: string[], edit?: (s: Spec) => void, flags: string[] = []): string {
  const b = bundle(args, edit);
  try {
    const r = runts.run(['run', ...flags, '--bundle', b.dir, uniqueId()]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  } finally {
    b.cleanup();
  }
}

/** A running container (sleep) for fn to exec into; deleted afterwards. */
function withContainer(edit: ((s: Spec) => void) | undefined, fn: (id: string, b: Bundle) => void, flags: string[] = []): void {
  const b = bundle(['sleep', '60'], edit);
  const id = uniqueId();
  try {
    runts.ok(['run', '-d', ...flags, '--bundle', b.dir, id]);
    fn(id, b);
  } finally {
    runts.run(['delete', '--force', id]);
    b.cleanup();
  }
}

function execProcess(b: Bundle, id: string, edit: (p: Process) => void): { code: number; stdout: string; stderr: string } {
  const p = structuredClone(b.spec.process!);
  edit(p);
  const file = join(b.dir, 'process.json');
  writeFileSync(file, JSON.stringify(p));
  return runts.run(['exec', '--process', file, id]);
}

function assertNothingLeft(id: string): void {
  assert.ok(!existsSync(join(runts.root, id)), 'state directory left');
  assert.deepEqual(cgroupDirsOf(id), []);
}

describe('capabilities the runtime or the kernel does not know', () => {
  const caps = {
    bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_FLY', 'CAP_NET_RAW'],
    permitted: ['CAP_KILL', 'CAP_CHOWN', 'CAP_FLY'],
    inheritable: ['CAP_KILL', 'CAP_TELEPORT'],
    effective: ['CAP_KILL', 'CAP_FLY'],
    ambient: ['CAP_KILL'],
  };
  const known = (names: string[]) => names.filter((n) => !['CAP_FLY', 'CAP_TELEPORT'].includes(n));

  it('are logged as a warning (json for clients) and skipped; the other sets are as configured', () => {
    const b = bundle(['true'], (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = caps;
    });
    const id = uniqueId();
    const log = join(b.dir, 'log.json');
    try {
      runts.ok(['--log', log, '--log-format', 'json', 'create', '--bundle', b.dir, id]);
      const out = readFileSync(`/proc/${runts.state(id).pid}/status`, 'utf8');
      for (const [key, set] of [['CapBnd', 'bounding'], ['CapPrm', 'permitted'], ['CapInh', 'inheritable'], ['CapEff', 'effective'], ['CapAmb', 'ambient']] as const)
        assert.equal(status(out, key), hex(known(caps[set])), key);
      const warnings = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.level === 'warning');
      assert.deepEqual(warnings.map((w) => w.msg), ['ignoring unknown or unavailable capabilities: [CAP_FLY CAP_TELEPORT]']);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('exec --cap adds to the exec\'d process\'s sets, as runc (ambient too where there is an inheritable set)', () => {
    withContainer(
      (s) => {
        s.process!.user = { uid: 1000, gid: 1000 };
        s.process!.capabilities = { ...caps, inheritable: ['CAP_KILL', 'CAP_NET_RAW'] };
      },
      (id) => {
        const r = runts.run(['exec', '--cap', 'CAP_NET_RAW', '--cap', 'CAP_WARP', id, 'cat', '/proc/self/status']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /ignoring unknown or unavailable capabilities: \[CAP_FLY CAP_WARP\]/);
        // A user other than root after execve: permitted and effective are its ambient set.
        assert.equal(status(r.stdout, 'CapBnd'), hex(['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW']));
        assert.equal(status(r.stdout, 'CapInh'), hex(['CAP_KILL', 'CAP_NET_RAW']));
        for (const key of ['CapAmb', 'CapPrm', 'CapEff']) assert.equal(status(r.stdout, key), hex(['CAP_KILL', 'CAP_NET_RAW']), key);
      },
    );
  });
});

describe('an exec\'s process.json without capabilities', () => {
  it('gets the container\'s, as runc, not all of root\'s', () => {
    const bounding = ['CAP_KILL', 'CAP_CHOWN'];
    withContainer((s) => (s.process!.capabilities = { bounding, permitted: bounding, effective: bounding }), (id, b) => {
      const r = execProcess(b, id, (p) => {
        delete p.capabilities;
        p.args = ['cat', '/proc/self/status'];
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(status(r.stdout, 'CapBnd'), hex(bounding));
      assert.equal(status(r.stdout, 'CapEff'), hex(bounding));
    });
  });
});

describe('linux.personality', () => {
  it('LINUX32 makes uname say i686, in the container and in its execs; LINUX leaves it', () => {
    withContainer((s) => (s.linux!.personality = { domain: 'LINUX32' }), (id) => {
      assert.equal(runts.ok(['exec', id, 'uname', '-m']).trim(), 'i686');
    });
    assert.equal(runIn(['uname', '-m'], (s) => (s.linux!.personality = { domain: 'LINUX32' })).trim(), 'i686');
    assert.equal(runIn(['uname', '-m'], (s) => (s.linux!.personality = { domain: 'LINUX' })).trim(), 'x86_64');
  });

  it('a domain that does not exist is refused by field, nothing left', () => {
    const b = bundle(['true'], (s) => (s.linux!.personality = { domain: 'LINUX64' as never }));
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    b.cleanup();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /linux\.personality\.domain: unknown value "LINUX64" \(valid: LINUX, LINUX32\)/);
    assertNothingLeft(id);
  });
});

describe('process.ioPriority', () => {
  it('is the process\'s I/O priority, for create and exec', () => {
    assert.equal(runIn(['sh', '-c', 'ionice -p $$'], (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 })), 'best-effort: prio 6\n');
    assert.equal(runIn(['sh', '-c', 'ionice -p $$'], (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 2 })), 'realtime: prio 2\n');
    withContainer((s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 }), (id, b) => {
      // The config's process is exec's default; a process.json brings its own.
      assert.equal(runts.ok(['exec', id, 'sh', '-c', 'ionice -p $$']), 'idle\n');
      const r = execProcess(b, id, (p) => {
        p.args = ['sh', '-c', 'ionice -p $$'];
        p.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 1 };
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'best-effort: prio 1\n');
    });
  });
});

describe('process.scheduler', () => {
  const sched = (out: string) => [/^policy\s*:\s*(\d+)/m.exec(out)?.[1], /^prio\s*:\s*(-?\d+)/m.exec(out)?.[1]];

  it('sets policy, nice and flags, for create and exec', () => {
    const batch = runIn(['cat', '/proc/self/sched'], (s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5 }));
    assert.deepEqual(sched(batch), ['3', '125']);
    // A deadline task may not fork (the kernel's rule): cat reads its own.
    const deadline = runIn(['cat', '/proc/self/sched'], (s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 10_000_000, period: 10_000_000 }));
    assert.deepEqual(sched(deadline), ['6', '-1']);
    withContainer((s) => (s.process!.scheduler = { policy: 'SCHED_IDLE', flags: ['SCHED_FLAG_RESET_ON_FORK'] }), (id, b) => {
      assert.deepEqual(sched(runts.ok(['exec', id, 'cat', '/proc/self/sched'])), ['5', '120']);
      const r = execProcess(b, id, (p) => {
        p.args = ['cat', '/proc/self/sched'];
        p.scheduler = { policy: 'SCHED_OTHER', nice: -3 };
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sched(r.stdout), ['0', '117']);
    });
  });

  it('a realtime policy runs where the container\'s cpu cgroup has realtime runtime', (t) => {
    if (!existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) return t.skip('no v1 cpu controller with realtime group scheduling here');
    // The container's cgroup, made beforehand with a realtime budget (the resources' realtimeRuntime is another field's).
    const name = `runts-rt-${process.pid}`;
    const dir = `/sys/fs/cgroup/cpu/${name}`;
    mkdirSync(dir);
    try {
      writeFileSync(join(dir, 'cpu.rt_runtime_us'), '10000');
      const out = runIn(['cat', '/proc/self/sched'], (s) => {
        s.linux!.cgroupsPath = `/${name}`;
        s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
      });
      assert.deepEqual(sched(out), ['1', '89']);
    } finally {
      rmdirSync(dir);
    }
  });

  it('a realtime policy where the container\'s cgroup has no realtime runtime is refused by field, nothing left', (t) => {
    if (!existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) return t.skip('no v1 cpu controller with realtime group scheduling here');
    const b = bundle(['true'], (s) => (s.process!.scheduler = { policy: 'SCHED_RR', priority: 1 }));
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    b.cleanup();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /process\.scheduler\.policy: SCHED_RR needs realtime runtime, and the container's cpu cgroup \S+ has none/);
    assertNothingLeft(id);
    withContainer(undefined, (cid, cb) => {
      const e = execProcess(cb, cid, (p) => (p.scheduler = { policy: 'SCHED_FIFO', priority: 5 }));
      assert.equal(e.code, 1);
      assert.match(e.stderr, /process\.scheduler\.policy: SCHED_FIFO needs realtime runtime/);
      assert.equal(JSON.parse(runts.ok(['ps', '--format', 'json', cid])).length, 1);
    });
  });

  it('a bad policy or flag is refused by field', () => {
    for (const [scheduler, field] of [
      [{ policy: 'SCHED_SOMETIMES' }, 'process.scheduler.policy'],
      [{ policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_TURBO'] }, 'process.scheduler.flags\\[0\\]'],
    ] as const) {
      const b = bundle(['true'], (s) => (s.process!.scheduler = scheduler as never));
      const id = uniqueId();
      const r = runts.run(['run', '--bundle', b.dir, id]);
      b.cleanup();
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${field}: unknown value`));
      assertNothingLeft(id);
    }
  });
});

describe('process.execCPUAffinity', () => {
  const cpus = (out: string) => status(out, 'Cpus_allowed_list');
  const host = cpus(readFileSync('/proc/self/status', 'utf8'));

  it('is an exec\'s final CPUs; the init keeps the kernel\'s', (t) => {
    if (host !== '0-1') return t.skip(`needs CPUs 0-1 (this host allows ${host})`);
    withContainer((s) => (s.process!.execCPUAffinity = { initial: '0', final: '1' }), (id, b) => {
      assert.equal(cpus(readFileSync(`/proc/${runts.state(id).pid}/status`, 'utf8')), '0-1');
      assert.equal(cpus(runts.ok(['exec', id, 'cat', '/proc/self/status'])), '1');
      const r = execProcess(b, id, (p) => {
        p.args = ['cat', '/proc/self/status'];
        p.execCPUAffinity = { final: '0' };
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(cpus(r.stdout), '0');
      // Only initial: the kernel decides once the process is in the container's cgroup, and
      // keeps a requested affinity that the cgroup's cpuset (0-1) allows.
      const initial = execProcess(b, id, (p) => {
        p.args = ['cat', '/proc/self/status'];
        p.execCPUAffinity = { initial: '1' };
      });
      assert.equal(initial.code, 0, initial.stderr);
      assert.equal(cpus(initial.stdout), '1');
    });
  });

  it('CPUs the container cannot have fail the exec by field; a malformed list is refused', () => {
    withContainer(undefined, (id, b) => {
      const r = execProcess(b, id, (p) => (p.execCPUAffinity = { final: '4000' }));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /process\.execCPUAffinity\.final: sched_setaffinity 4000: EINVAL/);
      const bad = execProcess(b, id, (p) => (p.execCPUAffinity = { initial: '1-0' }));
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /process\.execCPUAffinity\.initial: range 1-0 runs backwards/);
      assert.equal(JSON.parse(runts.ok(['ps', '--format', 'json', id])).length, 1);
    });
  });
});

describe('session keyring', () => {
  const unmaskKeys = (s: Spec) => (s.linux!.maskedPaths = s.linux!.maskedPaths!.filter((p) => p !== '/proc/keys'));
  const sessionKeys = (out: string, id: string) => out.split('\n').filter((l) => new RegExp(` keyring +_ses\\.${id.replaceAll('.', '\\.')}: `).test(l)).map((l) => l.split(' ')[0]);

  it('is a new one named _ses.<id> per container, which its execs join; --no-new-keyring keeps the caller\'s', () => {
    withContainer(unmaskKeys, (id) => {
      const init = sessionKeys(runts.ok(['exec', id, 'cat', '/proc/keys']), id);
      assert.equal(init.length, 1, `one _ses.${id} keyring`);
      const again = sessionKeys(runts.ok(['exec', id, 'cat', '/proc/keys']), id);
      assert.deepEqual(again, init, 'the exec joined the container\'s keyring rather than making another');
    });
    withContainer(unmaskKeys, (id) => {
      assert.deepEqual(sessionKeys(runts.ok(['exec', id, 'cat', '/proc/keys']), id), []);
    }, ['--no-new-keyring']);
  });
});
