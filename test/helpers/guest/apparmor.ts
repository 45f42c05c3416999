// AppArmor, enforced: the guest boots Debian's kernel with AppArmor on and
// securityfs mounted (test/helpers/vm.ts); a test profile is loaded with
// Debian's apparmor_parser (the host's, shared read-only), and a container
// under it is denied what it denies, for its process and an exec'd one alike.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLsm } from '../../../src/runtime/lsm.ts';
import { makeBundle, uniqueId } from '../bundle.ts';
import { type Check, runOnce } from './common.ts';

const PROFILE = 'runts-test';

// Everything but writes under /scratch/forbidden. attach_disconnected: the
// container's paths are resolved from its own root.
const POLICY = `abi <abi/3.0>,
profile ${PROFILE} flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  unix,
  deny /scratch/forbidden/** w,
}
`;

const SCRIPT = 'mkdir -p /scratch/forbidden; cat /proc/self/attr/current; echo a > /scratch/ok && echo wrote ok; echo b > /scratch/forbidden/x 2>/dev/null || echo denied forbidden';

function withScratch(s: Parameters<Parameters<typeof makeBundle>[0] & object>[0]): void {
  s.process!.apparmorProfile = PROFILE;
  s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
}

export const apparmorChecks: Check[] = [
  {
    name: 'AppArmor: runts sees it enabled; apparmor_parser loads the test profile',
    run: () => {
      assert.ok(existsSync('/sys/kernel/security/apparmor'), 'securityfs has no apparmor directory');
      assert.equal(hostLsm().apparmor, true);
      const dir = mkdtempSync(join(tmpdir(), 'runts-aa-'));
      try {
        writeFileSync(join(dir, PROFILE), POLICY);
        execFileSync('apparmor_parser', ['--replace', '--skip-cache', join(dir, PROFILE)], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'AppArmor: a container under the profile is named by attr/current and denied what it denies; exec inherits it, exec --apparmor sets its own',
    run: (c) => {
      const r = runOnce(c, SCRIPT, withScratch);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${PROFILE} (enforce)\nwrote ok\ndenied forbidden\n`);
      // Unconfined, the same write goes through: the profile is what denied it.
      const free = runOnce(c, SCRIPT, (s) => {
        withScratch(s);
        delete s.process!.apparmorProfile;
      });
      assert.equal(free.stdout, 'unconfined\nwrote ok\n');
      // An exec'd process without a profile of its own gets the container's, as in runc.
      const b = makeBundle(withScratch, ['sleep', '600']);
      const id = uniqueId('aa');
      try {
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        assert.equal(c.runts.ok(['exec', id, 'sh', '-c', SCRIPT]), `${PROFILE} (enforce)\nwrote ok\ndenied forbidden\n`);
        // exec --apparmor names the exec'd process's own.
        assert.equal(c.runts.ok(['exec', '--apparmor', 'unconfined', id, 'cat', '/proc/self/attr/current']), 'unconfined\n');
      } finally {
        c.runts.run(['delete', '--force', id]);
        b.cleanup();
      }
    },
  },
  {
    name: 'AppArmor: a profile the kernel does not have fails the create at its step, leaving nothing',
    run: (c) => {
      const r = runOnce(c, 'true', (s) => (s.process!.apparmorProfile = 'runts-no-such-profile'));
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /exec runts-no-such-profile.*lsm-exec/);
      assert.ok(!existsSync(join(c.runts.root, r.id)), 'state left behind');
    },
  },
];
