// Device control on this hybrid host (v1 devices controller): what a
// container and an exec'd process may open, whatever nodes it makes or its
// image carries; bad rules refused before anything is made; a root runtime
// that cannot apply the rules fails. test/helpers/vm-checks.ts asks the same
// on pure v2.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeviceCgroupRule, Spec } from '../../src/oci/spec.ts';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import {
  addImageNodes,
  DEFAULT_OUTCOME,
  DENIED,
  KMSG_WRITE_OUTCOME,
  KMSG_WRITE_RULE,
  MAKE_AND_OPEN,
  OPEN,
  probed,
  withMknod,
} from '../helpers/device-probe.ts';
import { runInside } from '../helpers/inside.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const devices = hostHierarchies().find((h) => h.version === 1 && h.controllers.includes('devices'));
const noV1 = devices ? false : 'this host has no v1 devices controller (the v2 guest checks eBPF)';

describe('device control', { skip: noV1 }, () => {
  it('a default container makes nodes but opens only the allowed devices, its image\'s nodes included', () => {
    const out = runInside(runts, `${MAKE_AND_OPEN}cat /sys/fs/cgroup/devices/devices.list`, (s, b) => {
      withMknod(s);
      addImageNodes(b);
    });
    const [probe, list] = [out.split('\n').slice(0, 8).join('\n'), out.split('\n').slice(8).filter(Boolean)];
    assert.deepEqual(probed(probe), DEFAULT_OUTCOME);
    assert.deepEqual(list, ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm']);
  });

  it('a config rule opens what it allows, and only that access', () => {
    const out = runInside(runts, MAKE_AND_OPEN, (s, b) => {
      withMknod(s);
      addImageNodes(b);
      s.linux!.resources!.devices!.push(KMSG_WRITE_RULE);
    });
    assert.deepEqual(probed(out), KMSG_WRITE_OUTCOME);
    const readOnly = runInside(runts, OPEN, (s, b) => {
      addImageNodes(b);
      s.linux!.resources!.devices!.push({ ...KMSG_WRITE_RULE, access: 'r' });
    });
    assert.equal(probed(readOnly)['write-image-c'], DENIED);
  });

  it('an exec\'d process joins the container\'s cgroup and its rules', () => {
    const b = makeBundle(undefined, ['sleep', '600']);
    addImageNodes(b);
    const id = uniqueId('dev');
    try {
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      const out = runts.ok(['exec', id, 'sh', '-c', `${OPEN}cat /proc/self/cgroup`]);
      assert.deepEqual(probed(out.split('\n').slice(0, 3).join('\n')), { 'write-image-c': DENIED, 'read-image-b': DENIED, 'rw-null': 'ok' });
      assert.match(out, /^\d+:devices:\/$/m, 'in the container\'s devices cgroup, the root of its cgroup namespace');
      runts.ok(['delete', '--force', id]);
    } finally {
      b.cleanup();
    }
  });

  it('update replaces the rules of a running container: a denied device opens, then is denied again; a bad rule changes nothing', () => {
    const b = makeBundle(undefined, ['sleep', '600']);
    addImageNodes(b);
    const id = uniqueId('dev');
    const list = () => readFileSync(join(devices!.mountPoint, 'runts', id, 'devices.list'), 'utf8').trim().split('\n');
    const stored = () => (JSON.parse(readFileSync(join(runts.root, id, 'state.json'), 'utf8')) as { spec: Spec }).spec.linux!.resources!.devices;
    const update = (rules: unknown[]) => {
      writeFileSync(join(b.dir, 'res.json'), JSON.stringify({ devices: rules }));
      return runts.run(['update', '--resources', join(b.dir, 'res.json'), id]);
    };
    const DENY_ALL: DeviceCgroupRule = { allow: false, access: 'rwm' };
    try {
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      const pid = runts.state(id).pid!;
      const base = list();
      assert.equal(probed(runts.ok(['exec', id, 'sh', '-c', OPEN]))['write-image-c'], DENIED);
      const opened = update([DENY_ALL, KMSG_WRITE_RULE]);
      assert.equal(opened.code, 0, opened.stderr);
      assert.deepEqual(probed(runts.ok(['exec', id, 'sh', '-c', OPEN])), { 'write-image-c': 'ok', 'read-image-b': DENIED, 'rw-null': 'ok' });
      assert.deepEqual(list(), [...base, 'c 1:11 w']);
      assert.deepEqual(stored(), [DENY_ALL, KMSG_WRITE_RULE]);
      // The running init is held by the new rules too (it is in the same cgroup).
      assert.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^\d+:devices:(.*)$/m)?.[1], `/runts/${id}`);
      // A rule that cuts a hole, a bad access string: refused by name, rules and record unchanged.
      const hole = update([{ allow: true, type: 'c', access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }]);
      assert.notEqual(hole.code, 0);
      assert.match(hole.stderr, /linux\.resources\.devices\[1\]: denying c 1:11 w would cut a hole in the wider rule c \*:\* rw/);
      const bad = update([{ allow: true, type: 'c', major: 1, minor: 11, access: 'x' }]);
      assert.match(bad.stderr, /linux\.resources\.devices\[0\]\.access: must be one or more distinct letters of "rwm", got "x"/);
      assert.deepEqual(list(), [...base, 'c 1:11 w']);
      assert.deepEqual(stored(), [DENY_ALL, KMSG_WRITE_RULE]);
      // A limit the kernel refuses in the same update (this host's disks take no per-device weight): the rules go back too.
      const dev = readFileSync('/proc/partitions', 'utf8').split('\n').slice(2).map((l) => l.trim().split(/\s+/)).find((f) => f[3] && existsSync(`/sys/block/${f[3]}`))!;
      writeFileSync(join(b.dir, 'res.json'), JSON.stringify({ devices: [DENY_ALL], blockIO: { weightDevice: [{ major: Number(dev[0]), minor: Number(dev[1]), weight: 300 }] } }));
      const refused = runts.run(['update', '--resources', join(b.dir, 'res.json'), id]);
      assert.match(refused.stderr, /linux\.resources\.blockIO\.weightDevice\[0\]\.weight: cannot write/);
      assert.deepEqual(list(), [...base, 'c 1:11 w']);
      assert.deepEqual(stored(), [DENY_ALL, KMSG_WRITE_RULE]);
      assert.equal(probed(runts.ok(['exec', id, 'sh', '-c', OPEN]))['write-image-c'], 'ok');
      // Back: the rule given is the whole list, so an empty one leaves only the defaults.
      const closed = update([]);
      assert.equal(closed.code, 0, closed.stderr);
      assert.equal(probed(runts.ok(['exec', id, 'sh', '-c', OPEN]))['write-image-c'], DENIED);
      assert.deepEqual(list(), base);
      // Allow-all and back: v1's default switches both ways.
      assert.equal(update([{ allow: true, access: 'rwm' }]).code, 0);
      assert.deepEqual(list(), ['a *:* rwm']);
      assert.deepEqual(probed(runts.ok(['exec', id, 'sh', '-c', OPEN])), { 'write-image-c': 'ok', 'read-image-b': 'ok', 'rw-null': 'ok' });
      assert.equal(update([DENY_ALL]).code, 0);
      assert.deepEqual(list(), base);
      assert.deepEqual(probed(runts.ok(['exec', id, 'sh', '-c', OPEN])), { 'write-image-c': DENIED, 'read-image-b': DENIED, 'rw-null': 'ok' });
      runts.ok(['delete', '--force', id]);
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('a bad rule is refused naming its field, and leaves nothing behind', () => {
    const cases: [unknown, RegExp][] = [
      [{ allow: true, type: 'x' }, /linux\.resources\.devices\[1\]\.type: unknown device type "x"/],
      [{ allow: true, type: 'c', access: 'rwx' }, /linux\.resources\.devices\[1\]\.access: must be one or more distinct letters of "rwm", got "rwx"/],
      [{ allow: true, access: 'r' }, /linux\.resources\.devices\[1\]\.access: a rule of type "a"/],
    ];
    for (const [rule, message] of cases) {
      const b = makeBundle((s) => s.linux!.resources!.devices!.push(rule as never));
      const id = uniqueId('dev');
      try {
        const r = runts.run(['run', '--bundle', b.dir, id]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, message);
        assert.ok(!existsSync(join(runts.root, id)), 'state left behind');
        assert.deepEqual(cgroupDirsOf(id), []);
      } finally {
        b.cleanup();
      }
    }
  });

  it('a rule that would cut a hole in a wider one is refused before anything is made', () => {
    const b = makeBundle((s) => {
      s.linux!.resources!.devices!.push({ allow: true, type: 'c', access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 1, access: 'rw' });
    });
    const id = uniqueId('dev');
    try {
      const r = runts.run(['run', '--bundle', b.dir, id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /linux\.resources\.devices\[2\]: denying c 1:1 rw would cut a hole in the wider rule c \*:\* rw/);
      assert.ok(!existsSync(join(runts.root, id)));
      assert.deepEqual(cgroupDirsOf(id), []);
    } finally {
      b.cleanup();
    }
  });

  it('a root runtime that cannot apply the rules fails, and keeps the cgroup it did not make', () => {
    // v1 refuses a new default ("a") in a cgroup that has children.
    const name = `runts-devtest-${process.pid}`;
    const existing = join(devices!.mountPoint, name);
    mkdirSync(join(existing, 'child'), { recursive: true });
    const b = makeBundle((s) => (s.linux!.cgroupsPath = `/${name}`));
    const id = uniqueId('dev');
    try {
      const r = runts.run(['run', '--bundle', b.dir, id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`cannot apply device rules to ${existing}: .*EINVAL`));
      assert.ok(!existsSync(join(runts.root, id)));
      assert.deepEqual(readFileSync(join(existing, 'cgroup.procs'), 'utf8'), '');
      assert.ok(existsSync(join(existing, 'child')));
      const others = hostHierarchies().filter((h) => h !== devices).map((h) => join(h.mountPoint, name));
      assert.deepEqual(others.filter(existsSync), [], 'cgroups the failed create made were left');
    } finally {
      b.cleanup();
      rmdirSync(join(existing, 'child'));
      rmdirSync(existing);
    }
  });
});
