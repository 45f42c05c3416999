// Process fields on Debian's own kernel with cgroup2 alone: there a cgroup
// has no realtime budget to lack, so a realtime policy runs; the other
// fields ride along in the same container.

import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeBundle, uniqueId } from '../bundle.ts';
import type { Check } from './common.ts';

export const processFieldChecks: Check[] = [
  {
    name: 'scheduler SCHED_FIFO, ioPriority and personality LINUX32 apply on pure v2',
    run: (c) => {
      const b = makeBundle((s) => {
        s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
        s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 3 };
        s.linux!.personality = { domain: 'LINUX32' };
      }, ['sh', '-c', 'grep -E "^(policy|prio) " /proc/self/sched; ionice -p $$; uname -m']);
      try {
        for (const applet of ['ionice', 'uname']) symlinkSync('busybox', join(b.rootfs, 'bin', applet));
        const r = c.runts.run(['run', '--bundle', b.dir, uniqueId('v2')]);
        assert.equal(r.code, 0, r.stderr);
        const [policy, prio, ionice, machine] = r.stdout.trim().split('\n');
        assert.match(policy, /^policy\s+:\s+1$/);
        assert.match(prio, /^prio\s+:\s+89$/);
        assert.equal(ionice, 'best-effort: prio 3');
        assert.equal(machine, 'i686');
      } finally {
        b.cleanup();
      }
    },
  },
];
