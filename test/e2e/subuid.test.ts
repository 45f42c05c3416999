// Rootless with more than the user's own id: ranges /etc/subuid and
// /etc/subgid grant the user are mapped through newuidmap and newgidmap.
// The test makes a user of its own (a system user, which useradd gives no
// ranges) and its own entries, and removes both afterwards, putting
// /etc/subuid and /etc/subgid back exactly as they were.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootlessSpec } from '../../src/oci/default-spec.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { type Result, RUNTS, runCaptured } from '../helpers/runts.ts';

const FILES = ['/etc/subuid', '/etc/subgid'];
const START = 3_000_000;
const COUNT = 65536;
const name = `runts${process.pid}`;
const tools = ['newuidmap', 'newgidmap'].filter((t) => !existsSync(`/usr/bin/${t}`));
const skip = tools.length ? `${tools.join(' and ')} missing (Debian's uidmap package; scripts/setup installs it)` : undefined;

let uid = 0;
let gid = 0;
let xdg = '';
const saved = new Map<string, string | undefined>();

before(() => {
  if (skip) return;
  for (const f of FILES) saved.set(f, existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  execFileSync('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name]);
  uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
  for (const f of FILES) writeFileSync(f, `${saved.get(f) ?? ''}${name}:${START}:${COUNT}\n`);
  xdg = mkdtempSync(join(tmpdir(), 'runts-xdg-'));
  chownSync(xdg, uid, gid);
});

after(() => {
  if (skip) return;
  const root = join(xdg, 'runts');
  if (existsSync(root)) for (const id of readdirSync(root)) asUser(['delete', '--force', id]);
  rmSync(xdg, { recursive: true, force: true });
  execFileSync('userdel', [name]);
  for (const [f, text] of saved) {
    if (text === undefined) unlinkSync(f);
    else writeFileSync(f, text);
  }
});

function asUser(args: string[]): Result {
  return runCaptured('setpriv', [
    `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups',
    'env', '-i', `XDG_RUNTIME_DIR=${xdg}`, `USER=${name}`, 'PATH=/usr/bin:/bin', RUNTS, ...args,
  ], { cwd: '/' });
}

const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

/** `runts spec --rootless`'s bundle for the user, root mapped to the user and 1..65536 to its range. */
function bundle(args: string[], edit?: (s: Spec) => void) {
  const b = makeBundle();
  // The rootfs is host root's: what the container's root would make there is made here.
  mkdirSync(join(b.rootfs, 'data'));
  const spec = rootlessSpec(uid, gid);
  spec.process!.terminal = false;
  spec.process!.args = args;
  spec.linux!.uidMappings = [map(0, uid, 1), map(1, START, COUNT)];
  spec.linux!.gidMappings = [map(0, gid, 1), map(1, START, COUNT)];
  edit?.(spec);
  writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
  chmodSync(join(b.dir, 'config.json'), 0o644);
  return b;
}

function assertNothingLeft(): void {
  const root = join(xdg, 'runts');
  assert.deepEqual(existsSync(root) ? readdirSync(root) : [], [], 'state left behind');
  const ours = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/cwd`).startsWith(root);
    } catch {
      return false;
    }
  });
  assert.deepEqual(ours, [], 'processes left behind');
}

describe('rootless with subordinate ids (newuidmap, newgidmap)', { skip }, () => {
  it('maps the ranges /etc/subuid and /etc/subgid grant: a file chowned inside lands in the range', () => {
    const data = mkdtempSync(join(tmpdir(), 'runts-subuid-'));
    chownSync(data, uid, gid);
    const b = bundle(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; touch /data/f && busybox chown 1000:2000 /data/f; id -G'], (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: data, options: ['rbind'] });
      s.process!.user.additionalGids = [5];
      const caps = s.process!.capabilities!;
      for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), 'CAP_CHOWN'];
    });
    try {
      const r = asUser(['run', '--bundle', b.dir, uniqueId('sub')]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
      assert.deepEqual(lines, [`0 ${uid} 1`, `1 ${START} ${COUNT}`, `0 ${gid} 1`, `1 ${START} ${COUNT}`, 'allow', '0 5']);
      const st = statSync(join(data, 'f'));
      assert.deepEqual([st.uid, st.gid], [START + 999, START + 1999]);
      assertNothingLeft();
    } finally {
      b.cleanup();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('refuses mappings beyond what the files grant, and idmapped mounts, naming the field, and leaves nothing behind', () => {
    const cases: [(s: Spec) => void, RegExp][] = [
      [(s) => (s.linux!.uidMappings![1] = map(1, START, COUNT + 1)), /linux\.uidMappings\[1\]: host ids 3000000-3065536 are neither the user's own uid .* nor granted to runts\d+ by \/etc\/subuid/],
      [(s) => (s.linux!.gidMappings = [map(0, gid, 1), map(1, START - 10, 5)]), /linux\.gidMappings\[1\]: .*\/etc\/subgid/],
      [(s) => (s.linux!.uidMappings = [map(0, 0, 1)]), /linux\.uidMappings\[0\]: host ids 0-0/],
      // Setting an idmapping takes root's power over the source's filesystem: refused rootless, as by runc.
      [(s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/tmp', options: ['rbind', 'idmap'] }), /mounts\[\d+\]\.options\[1\]: idmapped mounts need root's power/],
    ];
    for (const [edit, message] of cases) {
      const b = bundle(['true'], edit);
      try {
        const r = asUser(['run', '--bundle', b.dir, uniqueId('sub')]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, message);
        assertNothingLeft();
      } finally {
        b.cleanup();
      }
    }
  });
});
