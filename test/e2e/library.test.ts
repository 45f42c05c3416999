// The runtime as a library, in-process, as the engine and CRI will call it:
// run and wait, cgroup parents an engine keeps, and delete's care with pids.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/oci/errors.ts';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { openInitProc, signalInit } from '../../src/runtime/init-handle.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { procStartTime } from '../../src/runtime/state-store.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, waitFor } from '../helpers/runts.ts';

const root = mkdtempSync(join(tmpdir(), 'runts-lib-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The parent's directory in every hierarchy that exists. */
function parentDirs(parent: string): string[] {
  return hostHierarchies()
    .map((h) => join(h.mountPoint, parent))
    .filter((d) => existsSync(d));
}

describe('library', () => {
  it('run waits for the container, hands it our fds, and delete leaves nothing', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle(undefined, ['sh', '-c', 'echo hello; exit 7']);
    const id = uniqueId('lib');
    const outPath = join(b.dir, 'out');
    const out = openSync(outPath, 'w');
    try {
      const c = await rt.run(id, { bundle: b.dir, wait: true, stdio: ['ignore', out, 'ignore'] });
      assert.ok(c.pid > 0);
      assert.equal(await c.exit, 7);
    } finally {
      closeSync(out);
    }
    assert.equal(readFileSync(outPath, 'utf8'), 'hello\n');
    assert.equal(rt.state(id).status, 'stopped');
    await rt.delete(id);
    assert.ok(!existsSync(join(root, id)));
    assert.deepEqual(cgroupDirsOf(id), []);
    b.cleanup();
  });

  it('keeps its cgroup parent between containers with keepCgroupParents, and close() removes it', async () => {
    const parent = `/runts-lib-${process.pid}`;
    const rt = new Runtime({ root, cgroupParent: parent, keepCgroupParents: true });
    const b = makeBundle(undefined, ['sh', '-c', 'cat /proc/self/cgroup']);
    try {
      for (let n = 0; n < 2; n++) {
        const id = uniqueId('lib');
        const c = await rt.run(id, { bundle: b.dir, wait: true, stdio: ['ignore', 'ignore', 'ignore'] });
        // The container's own cgroup is below the parent, in every hierarchy.
        const dirs = cgroupDirsOf(id);
        assert.ok(dirs.length > 0 && dirs.every((d) => d.endsWith(`${parent}/${id}`)), dirs.join(' '));
        assert.equal(await c.exit, 0);
        await rt.delete(id);
        assert.deepEqual(cgroupDirsOf(id), []);
        assert.ok(parentDirs(parent).length > 0, 'the parent went with its last container');
      }
    } finally {
      await rt.close();
      b.cleanup();
    }
    assert.deepEqual(parentDirs(parent), [], 'close() left the parent behind');
  });

  it('without keepCgroupParents the parent goes with its last container', async () => {
    const parent = `/runts-lib-${process.pid}-b`;
    const rt = new Runtime({ root, cgroupParent: parent });
    const b = makeBundle();
    const id = uniqueId('lib');
    const c = await rt.run(id, { bundle: b.dir, wait: true, stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(await c.exit, 0);
    await rt.delete(id);
    assert.deepEqual(parentDirs(parent), []);
    b.cleanup();
  });

  it('with spareExecutor, each container after the first starts from an executor made ahead of it', async () => {
    const rt = new Runtime({ root, spareExecutor: true });
    const b = makeBundle(undefined, ['sh', '-c', 'echo out-$0; echo err >&2; cat <&3; exit 5']);
    const spares = (): number[] =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'runts-executor\x003\x00spare\x00' && readFileSync(`/proc/${p}/stat`, 'utf8').split(' ')[3] === String(process.pid);
          } catch {
            return false;
          }
        })
        .map(Number);
    try {
      for (let n = 0; n < 3; n++) {
        const outPath = join(b.dir, `out${n}`);
        const errPath = join(b.dir, `err${n}`);
        const inPath = join(b.dir, `in${n}`);
        writeFileSync(inPath, `preserved-${n}\n`);
        const [out, err, extra] = [openSync(outPath, 'w'), openSync(errPath, 'w'), openSync(inPath, 'r')];
        const id = uniqueId('lib');
        const ready = spares();
        try {
          // The split lifecycle too: the start socket is bound in the spare's handed-over working directory.
          const c = await rt.create(id, { bundle: b.dir, wait: true, stdio: ['ignore', out, err, extra] });
          // The first container spawns its executor; the others get the spare, the parent of their init.
          const parent = Number(readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
          if (n === 0) assert.deepEqual(ready, []);
          else assert.deepEqual(ready, [parent]);
          await rt.start(id);
          assert.equal(await c.exit, 5);
        } finally {
          for (const fd of [out, err, extra]) closeSync(fd);
        }
        // stdout and stderr where we said, and fd 3 preserved into the container.
        assert.equal(readFileSync(outPath, 'utf8'), `out-sh\npreserved-${n}\n`);
        assert.equal(readFileSync(errPath, 'utf8'), 'err\n');
        await rt.delete(id);
        assert.deepEqual(cgroupDirsOf(id), []);
        await new Promise((r) => setImmediate(r));
        assert.equal(spares().length, 1, 'one spare waits for the next container');
      }
      // A spare that died is replaced by a spawn, unseen by the caller.
      const [dead] = spares();
      process.kill(dead, 'SIGKILL');
      await waitFor(() => readFileSync(`/proc/${dead}/stat`, 'utf8').split(') ')[1].startsWith('Z'));
      const id = uniqueId('lib');
      const c = await rt.run(id, { bundle: b.dir, wait: true, stdio: ['ignore', 'ignore', 'ignore', 'ignore'] });
      assert.equal(await c.exit, 5);
      await rt.delete(id);
      assert.ok(!existsSync(`/proc/${dead}`), 'the dead spare was not reaped');
    } finally {
      await rt.close();
      b.cleanup();
    }
    assert.deepEqual(spares(), [], 'close() left the spare running');
  });

  it('update changes a running container\'s limits and its record; a bad one is refused by field', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle((s) => (s.linux!.resources!.pids = { limit: 10 }), ['sleep', '600']);
    const id = uniqueId('lib');
    try {
      await rt.run(id, { bundle: b.dir, stdio: ['ignore', 'ignore', 'ignore'] });
      const pidsMax = () => readFileSync(join(cgroupDirsOf(id).find((d) => d.startsWith('/sys/fs/cgroup/pids/'))!, 'pids.max'), 'utf8').trim();
      await rt.update(id, { pids: { limit: 7 } });
      assert.equal(pidsMax(), '7');
      assert.deepEqual(rt.record(id).spec.linux!.resources!.pids, { limit: 7 });
      await assert.rejects(rt.update(id, { pids: { limit: -3 } }), (e: unknown) => e instanceof ConfigError && e.field === 'linux.resources.pids.limit');
      await assert.rejects(rt.update('no-such', { pids: { limit: 3 } }), /container "no-such" does not exist/);
      assert.equal(pidsMax(), '7');
    } finally {
      await rt.delete(id, true);
      b.cleanup();
    }
  });

  it('refuses a cgroupParent that is not absolute', () => {
    assert.throws(() => new Runtime({ root, cgroupParent: 'relative' }), (e: Error) => e instanceof ConfigError && /cgroupParent/.test(e.message));
  });

  it('delete of a stopped container leaves alone a process that now has its old pid', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle();
    const id = uniqueId('lib');
    const c = await rt.run(id, { bundle: b.dir, wait: true, stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(await c.exit, 0);
    // Pids are reused: make the record point at a live process, as if the
    // kernel had given the container's number to someone else. A process is
    // known by pid and start time, in clock ticks: the stranger starts ticks
    // later, as any process that could reuse the pid would.
    await new Promise((r) => setTimeout(r, 50));
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((r) => stranger.on('exit', r));
    try {
      const rec = rt.record(id);
      rt.store.write({ ...rec, pid: stranger.pid! });
      assert.equal(rt.state(id).status, 'stopped');
      await rt.delete(id);
      assert.equal(stranger.exitCode, null);
      assert.equal(stranger.signalCode, null);
      process.kill(stranger.pid!, 0);
    } finally {
      stranger.kill('SIGKILL');
      await gone;
      b.cleanup();
    }
  });

  it('exec checks the process it is given as create does config.json\'s: what runts cannot enforce is refused', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId('lib');
    await rt.run(id, { bundle: b.dir, stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      await assert.rejects(
        rt.exec(id, { process: { ...b.spec.process!, args: ['true'], apparmorProfile: 'containers-default' }, stdio: ['ignore', 'ignore', 'ignore'] }),
        (e: ConfigError) => e instanceof ConfigError && e.field === 'process.apparmorProfile',
      );
      assert.deepEqual(rt.processes(id), [rt.state(id).pid]);
    } finally {
      await rt.delete(id, true);
      b.cleanup();
    }
  });

  it('kill and exec of a container whose init\'s pid went to a stranger leave the stranger alone', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId('lib');
    await rt.run(id, { bundle: b.dir, stdio: ['ignore', 'ignore', 'ignore'] });
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((r) => stranger.on('exit', r));
    try {
      await waitFor(() => procStartTime(stranger.pid!) !== undefined);
      // The record as if the init had exited and the kernel had given its number to the stranger.
      const rec = rt.record(id);
      const wrong = String(Number(procStartTime(stranger.pid!)) - 1);
      rt.store.write({ ...rec, pid: stranger.pid!, pidStartTime: wrong });
      assert.throws(() => rt.kill(id, 'SIGKILL'), /not running/);
      await assert.rejects(rt.exec(id, { process: { ...b.spec.process!, args: ['true'] }, stdio: ['ignore', 'ignore', 'ignore'] }), /it is stopped/);
      // The handles themselves: a start time that does not match is never signalled nor opened.
      assert.equal(signalInit(stranger.pid!, wrong, 9), false);
      assert.equal(openInitProc(stranger.pid!, wrong), undefined);
      assert.equal(signalInit(stranger.pid!, procStartTime(stranger.pid!)!, 0), true);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stranger.exitCode, null);
      assert.equal(stranger.signalCode, null);
      rt.store.write(rec);
      rt.kill(id, 'SIGKILL');
      await waitFor(() => rt.state(id).status === 'stopped');
      await rt.delete(id);
    } finally {
      stranger.kill('SIGKILL');
      await gone;
      b.cleanup();
    }
  });

  it('an exec\'d process gets none of the runtime\'s fds (the handle on the init\'s /proc)', async () => {
    const rt = new Runtime({ root });
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId('lib');
    await rt.run(id, { bundle: b.dir, stdio: ['ignore', 'ignore', 'ignore'] });
    const outPath = join(b.dir, 'fds');
    const out = openSync(outPath, 'w');
    try {
      const e = await rt.exec(id, { process: { ...b.spec.process!, args: ['sh', '-c', 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink $f)"; done'] }, stdio: ['ignore', out, 'ignore'] });
      assert.equal(await e.exit, 0);
    } finally {
      closeSync(out);
    }
    // Beyond its stdio, sh has only the pipe of its $(...).
    const fds = readFileSync(outPath, 'utf8').trim().split('\n').filter((l) => !/ pipe:/.test(l));
    assert.deepEqual(fds.map((l) => l.split(' ')[0]), ['0', '1', '2'], fds.join('\n'));
    await rt.delete(id, true);
    b.cleanup();
  });
});
