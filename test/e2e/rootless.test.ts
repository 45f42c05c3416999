// runts run by a user, not root: a user namespace mapping that user to root,
// no cgroups (a user may not make them here), state under $XDG_RUNTIME_DIR.
// The user is nobody (65534), reached with setpriv; nothing of it is created.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rootlessSpec } from '../../src/oci/default-spec.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, type Result, RUNTS, runCaptured, waitFor } from '../helpers/runts.ts';

const NOBODY = 65534;
const xdg = mkdtempSync(join(tmpdir(), 'runts-xdg-'));
chownSync(xdg, NOBODY, NOBODY);
const stateRoot = join(xdg, 'runts');

/** runts as nobody, with only the environment a user's session would give. */
function asUser(args: string[], inUserNs = false): Result {
  return runCaptured(
    'setpriv',
    [
      `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups',
      'env', '-i', `XDG_RUNTIME_DIR=${xdg}`, 'USER=nobody', 'PATH=/usr/bin:/bin',
      // As rootless Podman runs its runtime: root of a user namespace mapping the user.
      ...(inUserNs ? ['unshare', '--user', '--map-root-user'] : []),
      RUNTS, ...args,
    ],
    { cwd: '/' },
  );
}

/** A bundle as `runts spec --rootless` makes it for nobody, with our process. */
function rootlessBundle(args: string[], edit?: (s: Spec) => void) {
  const b = makeBundle();
  const spec = rootlessSpec(NOBODY, NOBODY);
  spec.process!.terminal = false;
  spec.process!.args = args;
  edit?.(spec);
  writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
  chmodSync(join(b.dir, 'config.json'), 0o644);
  return b;
}

function assertNothingLeft(id: string): void {
  assert.deepEqual(existsSync(stateRoot) ? readdirSync(stateRoot) : [], [], 'state left behind');
  assert.deepEqual(cgroupDirsOf(id), [], 'cgroups left behind');
}

after(() => {
  if (existsSync(stateRoot)) for (const id of readdirSync(stateRoot)) asUser(['delete', '--force', id]);
  rmSync(xdg, { recursive: true, force: true });
});

describe('rootless (runts as a user)', () => {
  it('runs the container as root of a user namespace mapped to the user, state under XDG_RUNTIME_DIR', () => {
    const b = rootlessBundle(['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; hostname; ls /dev/null; exit 4'], (s) => {
      s.hostname = 'userbox';
    });
    const id = uniqueId('rl');
    const r = asUser(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 4, r.stderr);
    const [uid, gid, uidMap, gidMap, setgroups, hostname, devNull] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual([uid, gid], ['0', '0']);
    assert.equal(uidMap, `0 ${NOBODY} 1`);
    assert.equal(gidMap, `0 ${NOBODY} 1`);
    assert.equal(setgroups, 'deny');
    assert.equal(hostname, 'userbox');
    assert.equal(devNull, '/dev/null');
    assertNothingLeft(id);
    b.cleanup();
  });

  it('goes through create, start, exec, list, kill and delete', async () => {
    const b = rootlessBundle(['sleep', '30']);
    const id = uniqueId('rl');
    assert.equal(asUser(['create', '--bundle', b.dir, id]).code, 0);
    assert.ok(existsSync(join(stateRoot, id)), 'state is not under $XDG_RUNTIME_DIR/runts');
    assert.equal(JSON.parse(asUser(['state', id]).stdout).status, 'created');
    assert.equal(asUser(['start', id]).code, 0);
    const exec = asUser(['exec', id, 'sh', '-c', 'id -u; cat /proc/1/cmdline']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, '0\nsleep\x0030\x00');
    // No cgroups: ps and kill --all go by the init's process tree.
    assert.equal(asUser(['exec', '-d', id, 'sleep', '30']).code, 0);
    const init = JSON.parse(asUser(['state', id]).stdout).pid;
    const pids: number[] = JSON.parse(asUser(['ps', '--format', 'json', id]).stdout);
    assert.equal(pids.length, 2);
    assert.ok(pids.includes(init));
    // Nothing to freeze: pause says why.
    const pause = asUser(['pause', id]);
    assert.notEqual(pause.code, 0);
    assert.match(pause.stderr, /no cgroup to freeze/);
    const list = JSON.parse(asUser(['list', '--format', 'json']).stdout);
    assert.deepEqual(
      list.map((c: { id: string; status: string; owner: string }) => [c.id, c.status, c.owner]),
      [[id, 'running', 'nobody']],
    );
    assert.equal(asUser(['kill', '--all', id, 'KILL']).code, 0);
    for (const pid of pids) await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    for (let i = 0; i < 200 && JSON.parse(asUser(['state', id]).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(asUser(['delete', id]).code, 0);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('runs a spec made for root from root of a user namespace, as under rootless Podman', () => {
    // No user namespace in the spec: the container shares the runtime's, whose
    // setgroups is "deny" and where gid 5 (devpts's gid=5) does not exist.
    const b = makeBundle(undefined, ['sh', '-c', 'id -u; cat /proc/self/uid_map; stat -c %t,%T /dev/null; cat /proc/self/setgroups']);
    chmodSync(join(b.dir, 'config.json'), 0o644);
    const id = uniqueId('rl');
    const r = asUser(['run', '--bundle', b.dir, id], true);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0', `0 ${NOBODY} 1`, '1,3', 'deny']);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('refuses additionalGids, which a user namespace that denies setgroups cannot give, naming the field', () => {
    const b = rootlessBundle(['true'], (s) => {
      s.process!.user.additionalGids = [5];
    });
    const id = uniqueId('rl');
    const r = asUser(['run', '--bundle', b.dir, id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /process\.user\.additionalGids/);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('a limit the config asks for fails the create when the user may make no cgroup (runc\'s rule), and leaves nothing', () => {
    const b = rootlessBundle(['true'], (s) => {
      s.linux!.resources = { pids: { limit: 10 } };
    });
    const id = uniqueId('rl');
    const r = asUser(['run', '--bundle', b.dir, id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /linux\.resources\.pids\.limit: the container has no cgroups \(rootless, and none could be made\) to apply it to/);
    assertNothingLeft(id);
    // What asks for nothing still runs without cgroups.
    const ok = rootlessBundle(['true'], (s) => {
      s.linux!.resources = { memory: { limit: 0 }, cpu: {} };
    });
    assert.equal(asUser(['run', '--bundle', ok.dir, uniqueId('rl')]).code, 0);
    ok.cleanup();
    b.cleanup();
  });

  it('with --rootless false, a user\'s create fails on the cgroups it may not make, and leaves nothing', () => {
    const b = rootlessBundle(['true']);
    const id = uniqueId('rl');
    const r = asUser(['--rootless', 'false', 'run', '--bundle', b.dir, id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /EACCES|permission denied/i);
    assertNothingLeft(id);
    assert.notEqual(asUser(['--rootless', 'maybe', 'list']).code, 0);
    b.cleanup();
  });
  it('a seccomp filter holds the container, loaded with and without noNewPrivileges', () => {
    for (const nnp of [true, false]) {
      const b = rootlessBundle(['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /dev/shm/d'], (s) => {
        s.process!.noNewPrivileges = nnp;
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 }] };
      });
      const id = uniqueId('rl');
      const r = asUser(['run', '--bundle', b.dir, id]);
      assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
      assert.match(r.stdout, /^Seccomp:\s+2\n$/);
      assert.match(r.stderr, /mkdir: can't create directory '\/dev\/shm\/d': Operation not supported/);
      assertNothingLeft(id);
      b.cleanup();
    }
  });
});
