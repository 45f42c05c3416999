// Namespaces (new and joined), user namespace maps, time offsets, hostname,
// sysctl: observed from inside the container and from the host.

import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { runInside } from '../helpers/inside.ts';
import { Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const inside = (script: string, edit?: (s: Spec, b: Bundle) => void, flags?: string[]) => runInside(runts, script, edit, flags);

const NS = ['pid', 'net', 'mnt', 'ipc', 'uts', 'cgroup', 'user', 'time'];
const nsLinks = 'for n in pid net mnt ipc uts cgroup user time; do readlink /proc/self/ns/$n; done';

describe('namespaces', () => {
  it('creates each configured namespace and shares the others with the host', () => {
    const out = inside(nsLinks).trim().split('\n');
    const host = NS.map((n) => readlinkSync(`/proc/self/ns/${n}`));
    const fresh = ['pid', 'net', 'mnt', 'ipc', 'uts', 'cgroup'];
    NS.forEach((n, i) => (fresh.includes(n) ? assert.notEqual(out[i], host[i], n) : assert.equal(out[i], host[i], n)));
  });

  it('is pid 1 in its pid namespace and has its own hostname and domainname', () => {
    const out = inside('echo $$; hostname; cat /proc/sys/kernel/domainname', (s) => {
      s.hostname = 'box';
      s.domainname = 'example.org';
    });
    assert.equal(out, '1\nbox\nexample.org\n');
  });

  it('joins the namespaces of another container by path', () => {
    const a = makeBundle((s) => (s.hostname = 'first'), ['sleep', '30']);
    const ida = uniqueId();
    runts.ok(['run', '-d', '--bundle', a.dir, ida]);
    const pid = runts.state(ida).pid!;
    const out = inside(`${nsLinks}; hostname`, (s) => {
      s.hostname = undefined;
      s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
        n.type === 'network' || n.type === 'uts' || n.type === 'ipc' ? { type: n.type, path: `/proc/${pid}/ns/${n.type === 'network' ? 'net' : n.type}` } : n,
      );
    });
    const lines = out.trim().split('\n');
    for (const [i, n] of NS.entries())
      if (['net', 'uts', 'ipc'].includes(n)) assert.equal(lines[i], readlinkSync(`/proc/${pid}/ns/${n}`), n);
    assert.notEqual(lines[0], readlinkSync(`/proc/${pid}/ns/pid`));
    assert.equal(lines.at(-1), 'first');
    runts.ok(['delete', '--force', ida]);
    a.cleanup();
  });

  it('maps uids and gids in a new user namespace', () => {
    const out = inside('cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /proc/1', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }];
      // sysfs needs the network namespace owned by the user namespace: fine, it is new.
    });
    const lines = out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0 100000 65536', '0 200000 1000', '0', '0']);
  });

  it('applies time namespace offsets', () => {
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const out = inside('cat /proc/uptime; cat /proc/self/timens_offsets', (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: 86400 * 10, nanosecs: 0 }, monotonic: { secs: 3600 } };
    });
    const uptime = Number(out.split(' ')[0]);
    assert.ok(uptime - hostUptime > 86400 * 10 - 60 && uptime - hostUptime < 86400 * 10 + 60, `uptime ${uptime} vs host ${hostUptime}`);
    assert.match(out, /monotonic\s+3600\s+0/);
  });

  it('writes sysctls in the container namespaces, before /proc/sys becomes read-only (runc\'s order)', () => {
    // The default readonlyPaths hold /proc/sys, as Podman's specs do along with a sysctl.
    const out = inside('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; echo 0 > /proc/sys/net/ipv4/ip_forward || echo read-only', (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '4096' };
      assert.ok(s.linux!.readonlyPaths!.includes('/proc/sys'));
    });
    assert.match(out, /^1\n4096\n(.*Read-only file system\n)?read-only\n$/s);
  });

  it('places the container in its cgroups (cgroupsPath)', () => {
    const path = `/runts-test/${uniqueId()}`;
    const out = inside('cat /proc/self/cgroup', (s) => {
      s.linux!.cgroupsPath = path;
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
    });
    for (const line of out.trim().split('\n')) assert.ok(line.endsWith(path), line);
  });
});
