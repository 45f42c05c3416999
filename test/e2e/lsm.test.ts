// AppArmor and SELinux on a host that has neither enabled (as this one): a
// config asking for a label is refused naming the field, as runc refuses it,
// and leaves nothing behind. Applying a profile is proven in the qemu guest,
// whose kernel has AppArmor (test/helpers/guest/apparmor.ts).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Spec } from '../../src/oci/spec.ts';
import { hostLsm } from '../../src/runtime/lsm.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const lsm = hostLsm();

describe('LSM labels on a host without the LSM', () => {
  const cases: [string, boolean, (s: Spec) => void, RegExp][] = [
    ['process.apparmorProfile', lsm.apparmor, (s) => (s.process!.apparmorProfile = 'runts-test'), /process\.apparmorProfile: AppArmor is not enabled on this host/],
    ['process.selinuxLabel', lsm.selinux, (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0'), /process\.selinuxLabel: SELinux is not enabled on this host/],
    ['linux.mountLabel', lsm.selinux, (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'), /linux\.mountLabel: SELinux is not enabled on this host/],
  ];
  for (const [field, enabled, edit, message] of cases) {
    it(`refuses ${field}, for create and run, leaving nothing`, { skip: enabled ? 'this host has the LSM enabled: the label is applied' : undefined }, () => {
      const b = makeBundle(edit);
      try {
        for (const cmd of ['create', 'run']) {
          const id = uniqueId('lsm');
          const r = runts.run([cmd, '--bundle', b.dir, id]);
          assert.equal(r.code, 1);
          assert.match(r.stderr, message);
          assert.ok(!existsSync(join(runts.root, id)), 'state left behind');
          assert.deepEqual(cgroupDirsOf(id), []);
        }
      } finally {
        b.cleanup();
      }
    });
  }
});
