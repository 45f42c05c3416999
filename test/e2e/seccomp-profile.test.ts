// The engine's default seccomp profile, enforced: a busybox shell script runs
// as it would unconfined, while unshare, mount and keyctl are refused, and
// what CAP_SYS_ADMIN opens opens with it. Run under Debian's runc (libseccomp)
// and under runts (its own compiler), which must agree.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultSeccompProfile } from '../../src/engine/seccomp/default-profile.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, runCaptured, Runts } from '../helpers/runts.ts';

const work = mkdtempSync(join(tmpdir(), 'runts-seccomp-'));
const runts = new Runts();
const runcRoot = join(work, 'runc-root');
const probe = join(work, 'syscall-probe');
after(() => {
  runts.cleanup();
  rmSync(work, { recursive: true, force: true });
});
before(() => {
  const cc = spawnSync('cc', ['-static', '-O', '-o', probe, join(import.meta.dirname, '..', 'helpers', 'syscall-probe.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});

const runcMissing = spawnSync('runc', ['--version']).status !== 0 ? 'runc is not installed (apt-get install runc)' : false;

const SCRIPT = [
  'set -e',
  'for i in 1 2 3; do echo "line $i"; done | wc -l',
  'x=$(cat /etc/greeting); echo "$x"',
  '( sleep 0.05; echo child ) & wait',
  'mkdir -p /tmp/d && echo data > /tmp/d/f && cat /tmp/d/f && rm -r /tmp/d',
  'ls / > /dev/null && hostname',
  'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\\t " " "',
].join('\n');
const SCRIPT_OUT = ['3', 'hello', 'child', 'data', 'runts', 'NoNewPrivs: 1', 'Seccomp: 2'];

const PROBES = ['unshare', 'mount', 'keyctl', 'clone3', 'personality-query', 'personality-norandom', 'process_vm_readv', 'vsock', 'fork'];

type Runner = (edit: (s: Spec) => void, args: string[]) => { code: number; stdout: string; stderr: string };

function bundleRunner(cmd: (dir: string, id: string) => [string, string[]]): Runner {
  return (edit, args) => {
    const b = makeBundle((s) => (s.root!.readonly = false), args);
    spawnSync('cp', [probe, join(b.rootfs, 'bin', 'syscall-probe')]);
    spawnSync('sh', ['-c', `echo hello > ${join(b.rootfs, 'etc', 'greeting')}`]);
    edit(b.spec);
    b.spec.linux!.seccomp = defaultSeccompProfile({ capabilities: b.spec.process!.capabilities!.bounding! });
    b.write();
    try {
      const [c, a] = cmd(b.dir, uniqueId('sc'));
      return runCaptured(c, a);
    } finally {
      b.cleanup();
    }
  };
}

const runc = bundleRunner((dir, id) => ['runc', ['--root', runcRoot, 'run', '--bundle', dir, id]]);
const runtsRun = bundleRunner((dir, id) => [RUNTS, runts.args(['run', '--bundle', dir, id])]);

const results = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));

function behaves(run: Runner): void {
  it('runs busybox and a shell script as it would unconfined', () => {
    const r = run(() => {}, ['sh', '-c', SCRIPT]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), SCRIPT_OUT);
  });

  it('refuses unshare, mount and keyctl with EPERM, clone3 with ENOSYS, ADDR_NO_RANDOMIZE and vsock', () => {
    const r = run(() => {}, ['/bin/syscall-probe', ...PROBES]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(results(r.stdout), {
      'unshare': 'EPERM', 'mount': 'EPERM', 'keyctl': 'EPERM', 'clone3': 'ENOSYS', 'personality-query': 'ok',
      'personality-norandom': 'EPERM', 'process_vm_readv': 'EPERM', 'vsock': 'EPERM', 'fork': 'ok',
    });
  });

  it('opens unshare, mount and clone3 to a container keeping CAP_SYS_ADMIN, and ptrace\'s calls with CAP_SYS_PTRACE', () => {
    const r = run((s) => {
      for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_SYS_ADMIN', 'CAP_SYS_PTRACE');
    }, ['/bin/syscall-probe', ...PROBES]);
    assert.equal(r.code, 0, r.stderr);
    // What the kernel answers once the filter lets the call through.
    const got = results(r.stdout);
    assert.equal(got.unshare, 'ok');
    assert.equal(got.mount, 'ENOENT');
    assert.equal(got.clone3, 'EINVAL');
    assert.equal(got.process_vm_readv, 'ok');
    assert.equal(got.keyctl, 'EPERM', 'the keyring stays closed whatever the container keeps');
  });
}

describe('the default seccomp profile under runc', { skip: runcMissing }, () => {
  behaves(runc);
});

describe('the default seccomp profile under runts', () => {
  behaves(runtsRun);
});
