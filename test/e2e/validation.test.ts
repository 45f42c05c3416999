// Configs runts refuses through its CLI: what it cannot enforce yet, for
// create and for exec; each refusal names the field and leaves nothing behind.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

function assertNothingLeft(id: string): void {
  assert.ok(!existsSync(join(runts.root, id)), 'state directory left');
  assert.deepEqual(cgroupDirsOf(id), []);
}

describe('what runts cannot enforce yet is refused by name', () => {
  it('create: a seccomp profile', () => {
    const b = makeBundle((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] }));
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^runts: config\.json: linux\.seccomp: seccomp filters are not enforced by runts yet: refused rather than ignored\n$/);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('exec: --apparmor, --process-label and a process.json asking for a label', () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const apparmor = runts.run(['exec', '--apparmor', 'containers-default', id, 'true']);
    assert.equal(apparmor.code, 1);
    assert.match(apparmor.stderr, /process\.apparmorProfile: AppArmor profiles are not enforced by runts yet/);
    const label = runts.run(['exec', '--process-label', 'system_u:system_r:container_t:s0', id, 'true']);
    assert.equal(label.code, 1);
    assert.match(label.stderr, /process\.selinuxLabel: SELinux labels are not enforced by runts yet/);
    const file = join(b.dir, 'process.json');
    writeFileSync(file, JSON.stringify({ ...b.spec.process, args: ['true'], selinuxLabel: 'system_u:system_r:container_t:s0' }));
    const json = runts.run(['exec', '--process', file, id]);
    assert.equal(json.code, 1);
    assert.match(json.stderr, /process\.selinuxLabel: SELinux labels are not enforced by runts yet/);
    // The flag counts over --process too, rather than being ignored.
    writeFileSync(file, JSON.stringify({ ...b.spec.process, args: ['true'] }));
    assert.match(runts.run(['exec', '--process', file, '--apparmor', 'x', id]).stderr, /process\.apparmorProfile/);
    // Nothing ran: the container's only process is its init.
    assert.deepEqual(JSON.parse(runts.ok(['ps', '--format', 'json', id])), [runts.state(id).pid]);
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });
});
