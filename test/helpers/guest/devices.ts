// Device rules replaced by update on pure v2: the new eBPF program attached,
// the old one detached (one program on the cgroup throughout the checks'
// view), and a running container's exec'd processes held by the new rules.
// test/e2e/devices.test.ts asks the same of v1 on the hybrid host.

import assert from 'node:assert/strict';
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceCgroupRule } from '../../../src/oci/spec.ts';
import { BPF_CGROUP_DEVICE } from '../../../src/runtime/cgroups/device-bpf.ts';
import { hostCalls } from '../../../src/runtime/native.ts';
import { makeBundle, uniqueId } from '../bundle.ts';
import { addImageNodes, DENIED, KMSG_WRITE_RULE, OPEN, probed } from '../device-probe.ts';
import { assertGone, CG, type Check } from './common.ts';

const DENY_ALL: DeviceCgroupRule = { allow: false, access: 'rwm' };

/** The ids of the device programs attached to the cgroup itself. */
function programs(dir: string): number[] {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return hostCalls().bpfProgQuery(fd, BPF_CGROUP_DEVICE);
  } finally {
    closeSync(fd);
  }
}

export const deviceUpdateChecks: Check[] = [
  {
    name: 'device control (eBPF): update replaces the program of a running container; what it denied opens, then is denied again',
    run: (c) => {
      const b = makeBundle(undefined, ['sleep', '600']);
      addImageNodes(b);
      const id = uniqueId('v2-dev');
      const dir = join(CG, 'runts', id);
      const update = (rules: DeviceCgroupRule[]) => {
        writeFileSync(join(b.dir, 'res.json'), JSON.stringify({ devices: rules }));
        return c.runts.run(['update', '--resources', join(b.dir, 'res.json'), id]);
      };
      const open = () => probed(c.runts.ok(['exec', id, 'sh', '-c', OPEN]));
      try {
        c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
        const [first, ...more] = programs(dir);
        assert.deepEqual(more, []);
        assert.deepEqual(open(), { 'write-image-c': DENIED, 'read-image-b': DENIED, 'rw-null': 'ok' });
        const opened = update([DENY_ALL, KMSG_WRITE_RULE]);
        assert.equal(opened.code, 0, opened.stderr);
        assert.deepEqual(open(), { 'write-image-c': 'ok', 'read-image-b': DENIED, 'rw-null': 'ok' });
        const [second, ...rest] = programs(dir);
        assert.deepEqual(rest, [], 'the old program is detached');
        assert.notEqual(second, first);
        // The same rules again (containerd passes them with every update): nothing changes.
        assert.equal(update([DENY_ALL, KMSG_WRITE_RULE]).code, 0);
        assert.deepEqual(programs(dir), [second]);
        // A bad rule: refused by name, the program kept.
        const bad = update([{ allow: true, type: 'c', major: 1, minor: 11, access: 'x' }]);
        assert.match(bad.stderr, /linux\.resources\.devices\[0\]\.access: must be one or more distinct letters of "rwm", got "x"/);
        assert.deepEqual(programs(dir), [second]);
        assert.equal(update([]).code, 0);
        assert.deepEqual(open(), { 'write-image-c': DENIED, 'read-image-b': DENIED, 'rw-null': 'ok' });
        assert.equal(programs(dir).length, 1);
        assert.equal(update([{ allow: true, access: 'rwm' }]).code, 0);
        // Allowed now; the guest's kernel has no loop driver, so the open of 7:0 finds no device.
        assert.deepEqual(open(), { 'write-image-c': 'ok', 'read-image-b': 'No such device or address', 'rw-null': 'ok' });
        assert.equal(programs(dir).length, 1);
        c.runts.ok(['delete', '--force', id]);
        assertGone(c, id, dir);
      } finally {
        c.runts.run(['delete', '--force', id]);
        b.cleanup();
      }
    },
  },
];
