// Hardening checks that need Debian's kernel: it has the /proc/sysrq-trigger
// and /proc/kcore the development host's kernel lacks.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { defaultSpec } from '../../../src/oci/default-spec.ts';
import { assertNotWritable, KERNEL_SETTINGS, writeProbeScript } from '../write-probe.ts';
import { type Check, runOnce } from './common.ts';

export const cveChecks: Check[] = [
  {
    name: 'a default container cannot open /proc/sysrq-trigger, core_pattern or a masked path for writing (kcore is the null device)',
    run: (c) => {
      const masked = defaultSpec().linux!.maskedPaths!;
      const tried = [...KERNEL_SETTINGS, ...masked].filter((f) => existsSync(f));
      assert.ok(tried.includes('/proc/sysrq-trigger') && tried.includes('/proc/kcore'), `the guest's kernel has them: ${tried}`);
      const r = runOnce(c, writeProbeScript([...KERNEL_SETTINGS, ...masked]));
      assert.equal(r.code, 0, r.stderr);
      assertNotWritable(r.stdout, tried, masked);
    },
  },
];
