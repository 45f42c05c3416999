// linux.netDevices: a host interface (one end of a veth pair the test makes;
// this kernel has no dummy driver) moved into the container under its new
// name, with its permanent global addresses and up. Refusals name the field
// and leave the interface on the host, as it was.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts } from '../helpers/runts.ts';

const runts = new Runts();
const made: string[] = [];
after(() => {
  runts.cleanup();
  for (const name of made) if (existsSync(`/sys/class/net/${name}`)) ip('link', 'del', name);
});

function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let n = 0;
/** A veth pair of the test's own; the returned end has an IPv4 and an IPv6 address and is up. */
function veth(): string {
  const name = `rts${process.pid % 100000}v${n++}`;
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  made.push(name);
  ip('addr', 'add', '10.213.7.1/24', 'dev', name);
  ip('addr', 'add', 'fd00:213::7/64', 'dev', name);
  ip('link', 'set', name, 'up');
  return name;
}

const onHost = (name: string) => existsSync(`/sys/class/net/${name}`);
const isUp = (flags: string) => (Number(flags) & 1) === 1;

function bundle(args: string[], edit: (s: Spec) => void): Bundle {
  const b = makeBundle(edit, args);
  symlinkSync('busybox', join(b.rootfs, 'bin', 'ip'));
  return b;
}

function assertNothingLeft(id: string): void {
  assert.ok(!existsSync(join(runts.root, id)), 'state directory left');
  assert.deepEqual(cgroupDirsOf(id), []);
}

describe('linux.netDevices', () => {
  it('moves a host interface into the container under its new name, with its addresses, up', () => {
    const host = veth();
    const b = bundle(['sleep', '60'], (s) => (s.linux!.netDevices = { [host]: { name: 'eth7' } }));
    const id = uniqueId();
    try {
      runts.ok(['run', '-d', '--bundle', b.dir, id]);
      assert.ok(!onHost(host), 'the interface left the host');
      const addrs = runts.ok(['exec', id, 'ip', 'addr', 'show', 'dev', 'eth7']);
      assert.match(addrs, /inet 10\.213\.7\.1\/24 /);
      assert.match(addrs, /inet6 fd00:213::7\/64 /);
      assert.ok(isUp(runts.ok(['exec', id, 'cat', '/sys/class/net/eth7/flags']).trim()), 'up');
    } finally {
      runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });

  it('keeps the host name when none is given; completes a "%d" template', () => {
    const [plain, templated] = [veth(), veth()];
    const b = bundle(['sh', '-c', `cat /sys/class/net/${plain}/flags; ls /sys/class/net`], (s) => (s.linux!.netDevices = { [plain]: {}, [templated]: { name: 'net%d' } }));
    const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
    b.cleanup();
    assert.equal(r.code, 0, r.stderr);
    const [flags, ...names] = r.stdout.trim().split(/\s+/);
    assert.ok(isUp(flags));
    assert.deepEqual(names.sort(), ['lo', 'net0', plain].sort());
  });

  it('a missing interface, a bad name, a name taken inside, no network namespace: refused by field, the interface left on the host', () => {
    const host = veth();
    const refused = (edit: (s: Spec) => void, message: RegExp) => {
      const b = bundle(['true'], edit);
      const id = uniqueId();
      const r = runts.run(['run', '--bundle', b.dir, id]);
      b.cleanup();
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assertNothingLeft(id);
      assert.ok(onHost(host), 'the interface is still the host\'s');
      assert.ok(isUp(readFileSync(`/sys/class/net/${host}/flags`, 'utf8')), 'and still up');
      assert.match(ip('addr', 'show', 'dev', host), /inet 10\.213\.7\.1\/24/);
    };
    refused((s) => (s.linux!.netDevices = { [`${host}x`]: {} }), new RegExp(`linux\\.netDevices\\.${host}x: the host has no network interface "${host}x"`));
    refused((s) => (s.linux!.netDevices = { [host]: { name: 'a/b' } }), new RegExp(`linux\\.netDevices\\.${host}\\.name: "a/b" is not a network interface name`));
    refused((s) => (s.linux!.netDevices = { [host]: { name: 'a-name-of-16-chr' } }), /must have 1 to 15 characters/);
    refused((s) => (s.linux!.netDevices = { [host]: { name: 'lo' } }), new RegExp(`linux\\.netDevices\\.${host}\\.name: the container has a network interface "lo" already`));
    refused((s) => {
      s.linux!.netDevices = { [host]: {} };
      s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'network');
    }, /linux\.netDevices: moving network devices needs a network namespace/);
    refused((s) => {
      s.linux!.netDevices = { [host]: {} };
      s.linux!.namespaces = s.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : ns));
    }, /linux\.netDevices: the network namespace joined \(\/proc\/self\/ns\/net\) is the runtime's own/);
  });
});
