// All six hook kinds: order, where they run, their stdin state, args, env
// and timeout; and what a failing hook does to the operation.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, Runts, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

/** A bundle with a host directory shared at /hooklog and hook scripts that log there. */
function hookBundle(args: string[]): { b: Bundle; log: string } {
  const b = makeBundle(undefined, args);
  const logdir = join(b.dir, 'hooklog');
  mkdirSync(logdir);
  const log = join(logdir, 'log');
  const script = (path: string, target: string) => {
    writeFileSync(path, `#!/bin/sh\nread -r state\necho "$1 ns=$(readlink /proc/self/ns/uts) env=$HOOK_ENV cwd=$(pwd) state=$state" >> ${target}\n`);
    chmodSync(path, 0o755);
  };
  script(join(b.dir, 'hook.sh'), log);
  script(join(b.rootfs, 'bin', 'hook.sh'), '/hooklog/log');
  writeFileSync(join(b.rootfs, 'bin', 'hook.sh'), readFileSync(join(b.rootfs, 'bin', 'hook.sh'), 'utf8').replace('#!/bin/sh', '#!/bin/busybox sh'));
  b.spec.mounts!.push({ destination: '/hooklog', type: 'bind', source: logdir, options: ['bind'] });
  const hook = (kind: string, path = join(b.dir, 'hook.sh')) => ({ path, args: ['hook.sh', kind], env: [`HOOK_ENV=${kind}-env`] });
  b.spec.hooks = {
    prestart: [hook('prestart')],
    createRuntime: [hook('createRuntime')],
    createContainer: [hook('createContainer')],
    startContainer: [hook('startContainer', '/bin/hook.sh')],
    poststart: [hook('poststart')],
    poststop: [hook('poststop')],
  };
  b.write();
  return { b, log };
}

/** Live processes whose argv is exactly ["sleep", duration]. */
function sleepers(duration: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${duration}\0`) pids.push(Number(pid));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

describe('hooks', () => {
  it('run in lifecycle order, in the right namespaces, with state on stdin, args and env', async () => {
    const { b, log } = hookBundle(['true']);
    const id = uniqueId();
    runts.ok(['create', '--bundle', b.dir, id]);
    const pid = runts.state(id).pid;
    runts.ok(['start', id]);
    for (let i = 0; i < 500 && runts.state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    runts.ok(['delete', id]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    const byKind = Object.fromEntries(lines.map((l) => [l.split(' ')[0], l]));
    const nsOf = (k: string) => /ns=(\S+)/.exec(byKind[k])![1];
    // Runtime hooks share the runtime's namespaces; container hooks the container's.
    assert.equal(nsOf('prestart'), nsOf('createRuntime'));
    assert.equal(nsOf('createContainer'), nsOf('startContainer'));
    assert.notEqual(nsOf('prestart'), nsOf('createContainer'));
    // Container hooks start where the init works, as runc's: the rootfs, then the container's root.
    const cwdOf = (k: string) => /cwd=(\S+)/.exec(byKind[k])![1];
    assert.equal(cwdOf('createContainer'), b.rootfs);
    assert.equal(cwdOf('startContainer'), '/');
    for (const [kind, line] of Object.entries(byKind)) {
      assert.match(line, new RegExp(`env=${kind}-env`));
      const state = JSON.parse(line.slice(line.indexOf('state=') + 6));
      assert.equal(state.id, id);
      assert.equal(state.bundle, b.dir);
      if (kind !== 'poststop') assert.equal(state.pid, pid, kind);
    }
    assert.equal(JSON.parse(byKind.prestart.split('state=')[1]).status, 'created');
    assert.equal(JSON.parse(byKind.poststart.split('state=')[1]).status, 'running');
    assert.equal(JSON.parse(byKind.poststop.split('state=')[1]).status, 'stopped');
    b.cleanup();
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a failing ${kind} hook fails create and leaves nothing behind`, () => {
      const { b, log } = hookBundle(['true']);
      b.spec.hooks![kind] = [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken hook >&2; exit 3'] }];
      b.write();
      const id = uniqueId();
      const r = runts.run(['create', '--bundle', b.dir, id]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /exited with status 3: broken hook/);
      assert.ok(!existsSync(join(runts.root, id)));
      assert.deepEqual(cgroupDirsOf(id), []);
      // The spec: after a failed prestart/create hook the container is destroyed and poststop hooks run.
      assert.match(readFileSync(log, 'utf8'), /^poststop /m);
      b.cleanup();
    });
  }

  it('a failing startContainer hook fails start', () => {
    const { b } = hookBundle(['true']);
    b.spec.hooks!.startContainer = [{ path: '/bin/false' }];
    b.write();
    const id = uniqueId();
    runts.ok(['create', '--bundle', b.dir, id]);
    const r = runts.run(['start', id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hook \/bin\/false exited with status 1/);
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });

  it('a failing poststart hook only warns', () => {
    const { b } = hookBundle(['sleep', '30']);
    b.spec.hooks!.poststart = [{ path: '/bin/false' }];
    b.write();
    const id = uniqueId();
    const r = runts.run(['run', '-d', '--bundle', b.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /poststart hook #0/);
    assert.equal(runts.state(id).status, 'running');
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });

  it('a hook that outlives its timeout is killed and fails the operation', () => {
    const { b } = hookBundle(['true']);
    b.spec.hooks!.createRuntime = [{ path: '/bin/sleep', args: ['sleep', '10'], timeout: 1 }];
    b.write();
    const start = Date.now();
    const r = runts.run(['create', '--bundle', b.dir, uniqueId()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /createRuntime hook #0: \/bin\/sleep timed out after 1s/);
    assert.ok(Date.now() - start < 8000);
    b.cleanup();
  });

  // Runtime hooks are killed by Node, hooks in the container by the executor. After a
  // failed create, its clean-up (the container's cgroup) would catch a createContainer
  // hook's children too; after a failed start nothing does until delete.
  for (const kind of ['prestart', 'createContainer', 'startContainer'] as const) {
    it(`a ${kind} hook that times out is killed with everything it started`, async () => {
      const { b } = hookBundle(['true']);
      // A duration no other process has: it finds the hook's children.
      const duration = String(4_000_000 + (process.pid % 100_000) * 10 + kind.length % 10);
      // startContainer hooks run in the rootfs: busybox's sh and sleep.
      b.spec.hooks![kind] = [{ path: '/bin/sh', args: ['sh', '-c', `sleep ${duration} & sleep ${duration}`], timeout: 1 }];
      // Without a pid namespace, whose end would kill them anyway, what the hook left would live on.
      b.spec.linux!.namespaces = b.spec.linux!.namespaces!.filter((n) => n.type !== 'pid');
      b.write();
      const id = uniqueId();
      try {
        const r = kind === 'startContainer' ? (runts.ok(['create', '--bundle', b.dir, id]), runts.run(['start', id])) : runts.run(['create', '--bundle', b.dir, id]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /timed out after (1s|1000 ms)/);
        await waitFor(() => sleepers(duration).length === 0, 3000).catch(() => {});
        assert.deepEqual(sleepers(duration), [], 'the hook\'s children outlived it');
      } finally {
        for (const pid of sleepers(duration)) process.kill(pid, 'SIGKILL');
        runts.run(['delete', '--force', id]);
        b.cleanup();
      }
    });
  }
});
