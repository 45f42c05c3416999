// Configs runts refuses through its CLI: what it cannot enforce yet, for
// create and for exec, and sysctls that would change the host's; each refusal
// names the field and leaves nothing behind.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostLsm } from '../../src/runtime/lsm.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const lsm = hostLsm();
const lsmSkip = lsm.apparmor || lsm.selinux ? 'this host has AppArmor or SELinux enabled: labels are applied, not refused' : undefined;

function assertNothingLeft(id: string): void {
  assert.ok(!existsSync(join(runts.root, id)), 'state directory left');
  assert.deepEqual(cgroupDirsOf(id), []);
}

describe('what runts cannot enforce yet is refused by name', () => {
  it('exec: --apparmor, --process-label and a process.json asking for a label the host cannot apply', { skip: lsmSkip }, () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const apparmor = runts.run(['exec', '--apparmor', 'containers-default', id, 'true']);
    assert.equal(apparmor.code, 1);
    assert.match(apparmor.stderr, /process\.apparmorProfile: AppArmor is not enabled on this host/);
    const label = runts.run(['exec', '--process-label', 'system_u:system_r:container_t:s0', id, 'true']);
    assert.equal(label.code, 1);
    assert.match(label.stderr, /process\.selinuxLabel: SELinux is not enabled on this host/);
    const file = join(b.dir, 'process.json');
    writeFileSync(file, JSON.stringify({ ...b.spec.process, args: ['true'], selinuxLabel: 'system_u:system_r:container_t:s0' }));
    const json = runts.run(['exec', '--process', file, id]);
    assert.equal(json.code, 1);
    assert.match(json.stderr, /process\.selinuxLabel: SELinux is not enabled on this host/);
    // The flag counts over --process too, rather than being ignored.
    writeFileSync(file, JSON.stringify({ ...b.spec.process, args: ['true'] }));
    assert.match(runts.run(['exec', '--process', file, '--apparmor', 'x', id]).stderr, /process\.apparmorProfile/);
    // Nothing ran: the container's only process is its init.
    assert.deepEqual(JSON.parse(runts.ok(['ps', '--format', 'json', id])), [runts.state(id).pid]);
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });
});

/** A harmless host sysctl as a canary: fn gets a value other than the host's, which must
 * not change; whatever happens, the host's value is put back. */
function assertHostKeeps(key: string, fn: (value: string) => void): void {
  const file = `/proc/sys/${key.replaceAll('.', '/')}`;
  const before = readFileSync(file, 'utf8');
  let after: string;
  try {
    fn(String(Number(before) + 1));
  } finally {
    after = readFileSync(file, 'utf8');
    if (after !== before) writeFileSync(file, before);
  }
  assert.equal(after, before, `the host's ${key} changed`);
}

describe('sysctls', () => {
  it('are set inside when the container has their namespace (net.* a network one, kernel.shm* an ipc one)', () => {
    const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const hostShmmax = readFileSync('/proc/sys/kernel/shmmax', 'utf8');
    const b = makeBundle((s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': hostForward.trim() === '1' ? '0' : '1', 'kernel.shmmax': '4242424242' }),
      ['cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmax']);
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${hostForward.trim() === '1' ? '0' : '1'}\n4242424242\n`);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward);
    assert.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8'), hostShmmax);
    b.cleanup();
  });

  const refusals: [string, string, (s: import('../../src/oci/spec.ts').Spec) => void][] = [
    ['a sysctl that is not namespaced (vm.*)', 'vm.stat_interval', () => {}],
    ['net.* without a network namespace', 'net.ipv4.tcp_keepalive_probes', (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    }],
    ['net.* of a joined network namespace that is the runtime\'s own', 'net.ipv4.tcp_keepalive_probes', (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
    }],
  ];
  for (const [what, key, edit] of refusals) {
    it(`refuses ${what}, naming it, and the host's value stays`, () => {
      assertHostKeeps(key, (value) => {
        const b = makeBundle((s) => {
          edit(s);
          s.linux!.sysctl = { [key]: value };
        });
        const id = uniqueId();
        const r = runts.run(['run', '--bundle', b.dir, id]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`^runts: config\\.json: linux\\.sysctl\\.${key.replaceAll('.', '\\.')}: .*would change the host's\n$`));
        assertNothingLeft(id);
        b.cleanup();
      });
    });
  }
});

describe('the systemd cgroup driver, which runts does not have yet', () => {
  /** Cgroup directories named name anywhere on the host (a cgroupsPath is relative to runts's own cgroup). */
  const cgroupsNamed = (name: string) =>
    spawnSync('find', ['/sys/fs/cgroup', '-type', 'd', '-name', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

  it('--systemd-cgroup is refused, not ignored', () => {
    const id = uniqueId();
    const b = makeBundle((s) => (s.linux!.cgroupsPath = `system.slice:runts:${id}`));
    const r = runts.run(['--systemd-cgroup', 'run', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'runts: --systemd-cgroup: runts has no systemd cgroup driver yet (cgroupfs only)\n');
    assertNothingLeft(id);
    assert.deepEqual(cgroupsNamed(`system.slice:runts:${id}`), []);
    b.cleanup();
  });

  it('a cgroupsPath in its slice:prefix:name form is refused, naming linux.cgroupsPath', () => {
    const id = uniqueId();
    const b = makeBundle((s) => (s.linux!.cgroupsPath = `system.slice:runts:${id}`));
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^runts: config\.json: linux\.cgroupsPath: "system\.slice:runts:[^"]+" is in the systemd driver's form/);
    assertNothingLeft(id);
    assert.deepEqual(cgroupsNamed(`system.slice:runts:${id}`), []);
    b.cleanup();
  });
});
