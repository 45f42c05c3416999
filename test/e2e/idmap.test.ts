// Idmapped mounts (runtime-spec 1.2: mounts[].uidMappings/gidMappings, the
// idmap and ridmap options): a host directory owned by one id is seen in the
// container as owned by the mapped id, and what the container writes lands
// on the host with the id mapped back. Sources are plain directories on this
// host's ext4 and a tmpfs the test mounts (both take idmapped mounts).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IdMapping, Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { runInside } from '../helpers/inside.ts';
import { Runts } from '../helpers/runts.ts';

const runts = new Runts();
const dirs: string[] = [];
const mounted: string[] = [];
after(() => {
  for (const m of mounted.reverse()) execFileSync('umount', ['-l', m]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  runts.cleanup();
});

const ON_DISK = 1234;
const SEEN = 5678;
const map = (containerID: number, hostID: number, size: number): IdMapping => ({ containerID, hostID, size });
const ONE = [map(ON_DISK, SEEN, 1)];

/** A host directory owned by uid:gid, holding a file of the same owner. */
function hostDir(uid: number, gid = uid): string {
  const d = mkdtempSync(join(tmpdir(), 'runts-idmap-'));
  dirs.push(d);
  writeFileSync(join(d, 'f'), 'x');
  chownSync(join(d, 'f'), uid, gid);
  chownSync(d, uid, gid);
  chmodSync(d, 0o755);
  return d;
}

const owner = (path: string) => `${statSync(path).uid}:${statSync(path).gid}`;

/** A user namespace mapping 0 to 100000; the rootfs (host root's) gets /data, which its root could not make. */
function userns(s: Spec, b: Bundle): void {
  mkdirSync(join(b.rootfs, 'data'), { recursive: true });
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [map(0, 100000, 65536)];
  s.linux!.gidMappings = [map(0, 100000, 65536)];
}

/** What a failed create may leave: the host's mounts, state, processes (an executor, its
 * helpers and the init work in the container's state directory, under this root). */
function leftovers() {
  const executors = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/cwd`).startsWith(runts.root);
    } catch {
      return false;
    }
  });
  // Mounts a create of ours could leave on the host: idmapped ones, or any on a test bundle (other
  // test files mount elsewhere meanwhile, so a count of all would race them).
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / idmapped[ ,]/.test(l) || (l.split(' ')[4] ?? '').startsWith(join(tmpdir(), 'runts-')));
  return { mounts, state: readdirSync(runts.root), executors };
}

describe('idmapped mounts', () => {
  it('shows a host directory owned by the on-disk id as the mapped id; writes land with the id mapped back', () => {
    const src = hostDir(ON_DISK);
    const out = runInside(runts, 'stat -c "%u:%g" /data /data/f; touch /data/new && stat -c "%u:%g" /data/new; touch /ro/x 2>&1; id -u', (s) => {
      s.process!.user = { uid: SEEN, gid: SEEN };
      s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: ONE, gidMappings: ONE });
      // A read-only one: the flags are set on the idmapped clone before it is attached.
      s.mounts!.push({ destination: '/ro', type: 'bind', source: src, options: ['bind', 'ro', 'idmap'], uidMappings: ONE, gidMappings: ONE });
    });
    const lines = out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), [`${SEEN}:${SEEN}`, `${SEEN}:${SEEN}`, `${SEEN}:${SEEN}`], out);
    assert.match(lines[3], /Read-only file system/);
    assert.equal(lines[4], String(SEEN));
    assert.equal(owner(join(src, 'new')), `${ON_DISK}:${ON_DISK}`);
    assert.ok(!existsSync(join(src, 'x')));
  });

  it('idmap without mappings takes the container\'s user namespace: host root is the container\'s root', () => {
    const src = hostDir(0);
    const script = 'stat -c "%u:%g" /data/f; touch /data/new && stat -c "%u:%g" /data/new';
    const mapped = runInside(runts, script, (s, b) => {
      userns(s, b);
      s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'idmap'] });
    });
    assert.equal(mapped, '0:0\n0:0\n');
    assert.equal(owner(join(src, 'new')), '0:0');
    // Without the idmap, host root is nobody in there, and the container's root may not write.
    rmSync(join(src, 'new'));
    const plain = runInside(runts, 'stat -c "%u:%g" /data/f; touch /data/new 2>&1; true', (s, b) => {
      userns(s, b);
      s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind'] });
    });
    assert.match(plain, /^65534:65534\n.*Permission denied/);
  });

  it('ridmap maps the mounts below the source too; idmap only the top one', () => {
    const src = hostDir(ON_DISK);
    const sub = join(src, 'sub');
    mkdirSync(sub);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${ON_DISK},gid=${ON_DISK}`, 'runts-idmap', sub]);
    mounted.push(sub);
    const seen = (option: string) => runInside(runts, 'stat -c "%u:%g" /data /data/sub', (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', option], uidMappings: ONE, gidMappings: ONE });
    });
    assert.equal(seen('ridmap'), `${SEEN}:${SEEN}\n${SEEN}:${SEEN}\n`);
    assert.equal(seen('idmap'), `${SEEN}:${SEEN}\n${ON_DISK}:${ON_DISK}\n`);
  });

  it('refuses bad mappings naming the field, and leaves nothing behind', () => {
    const src = hostDir(ON_DISK);
    const bind = (extra: object) => (s: Spec) => s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['bind'], ...extra });
    const last = makeBundle().spec.mounts!.length;
    const cases: [RegExp, (s: Spec) => void][] = [
      [new RegExp(`mounts\\[${last}\\]\\.uidMappings\\[1\\]: its containerID range overlaps`), bind({ uidMappings: [map(0, 1000, 10), map(5, 2000, 1)], gidMappings: ONE })],
      [new RegExp(`mounts\\[${last}\\]\\.gidMappings\\[1\\]: its hostID range overlaps`), bind({ uidMappings: ONE, gidMappings: [map(0, 1000, 10), map(20, 1009, 1)] })],
      [new RegExp(`mounts\\[${last}\\]\\.uidMappings\\[0\\]\\.size: must be between 1`), bind({ uidMappings: [map(0, 1000, 0)], gidMappings: ONE })],
      [new RegExp(`mounts\\[${last}\\]\\.gidMappings: an idmapped mount needs gidMappings`), bind({ uidMappings: ONE })],
      [new RegExp(`mounts\\[${last}\\]\\.uidMappings: idmapped mounts are bind mounts only`), (s) => s.mounts!.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', uidMappings: ONE, gidMappings: ONE })],
      [new RegExp(`mounts\\[${last}\\]\\.options\\[1\\]: "idmap" without uidMappings and gidMappings takes the container's user namespace, and it has none`), bind({ options: ['bind', 'idmap'] })],
      // The kernel's refusal, at the executor's step: procfs takes no idmapped mounts.
      [/idmap \/proc\/sys \(does its filesystem support idmapped mounts\?\).*idmap-mount/, (s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/proc/sys', options: ['rbind'], uidMappings: ONE, gidMappings: ONE })],
    ];
    const before = leftovers();
    for (const [message, edit] of cases) {
      const b = makeBundle(edit);
      try {
        const r = runts.run(['run', '--bundle', b.dir, uniqueId('idm')]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, message);
        assert.deepEqual(leftovers(), before);
      } finally {
        b.cleanup();
      }
    }
  });
});
