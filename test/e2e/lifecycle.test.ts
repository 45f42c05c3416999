// The lifecycle through the CLI, as runc's clients drive it, and the
// guarantee that bad input leaves nothing behind.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, RUNTS, Runts, runCaptured, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

function assertNothingLeft(id: string, bundleDir?: string): void {
  assert.ok(!existsSync(join(runts.root, id)), `state dir of ${id} left behind`);
  assert.deepEqual(cgroupDirsOf(id), [], `cgroups of ${id} left behind`);
  if (bundleDir) assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(bundleDir), 'mounts left behind');
}

describe('lifecycle', () => {
  it('run executes the process and returns its exit status', () => {
    const b = makeBundle(undefined, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assertNothingLeft(id, b.dir);
    b.cleanup();
  });

  it('goes creating -> created -> running -> stopped, and delete removes everything', async () => {
    // A createRuntime hook holds the create at "creating" until the test lets it go.
    const b = makeBundle(undefined, ['sleep', '30']);
    const gate = join(b.dir, 'gate');
    spawnSync('mkfifo', [gate]);
    b.spec.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `cat ${gate} > /dev/null`] }] };
    b.write();
    const id = uniqueId();
    const pidFile = join(b.dir, 'pids', 'pid');
    mkdirSync(join(b.dir, 'pids'));
    const create = runts.runAsync(['create', '--bundle', b.dir, '--pid-file', pidFile, id]);
    // Its first record comes at the claim, the init's pid once the executor reports it.
    const inState = () => {
      const r = runts.run(['state', id]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { status: string; pid?: number }) : undefined;
    };
    await waitFor(() => inState()?.pid !== undefined, 20_000);
    const creating = runts.state(id);
    assert.equal(creating.status, 'creating');
    assert.ok(creating.pid! > 0 && existsSync(`/proc/${creating.pid}`), 'a creating container has its init');
    assert.ok(!existsSync(pidFile), 'the pid file is written once the container is created');
    writeFileSync(gate, 'go');
    assert.equal((await create).code, 0);
    const created = runts.state(id);
    assert.equal(created.status, 'created');
    assert.equal(created.pid, creating.pid);
    // Written whole through a temp file in its directory, which is gone.
    assert.equal(readFileSync(pidFile, 'utf8'), String(created.pid));
    assert.deepEqual(readdirSync(join(b.dir, 'pids')), ['pid']);
    assert.equal(created.bundle, b.dir);
    // The user process has not run yet: the init still waits in the executor.
    assert.match(readFileSync(`/proc/${created.pid}/cmdline`, 'utf8'), /runts-executor/);
    assert.equal(cgroupDirsOf(id).length > 0, true);
    runts.ok(['start', id]);
    assert.equal(runts.state(id).status, 'running');
    assert.match(readFileSync(`/proc/${created.pid}/cmdline`, 'utf8'), /^sleep\0/);
    const list = JSON.parse(runts.ok(['list', '--format', 'json']));
    assert.ok(list.some((c: { id: string; status: string }) => c.id === id && c.status === 'running'));
    assert.match(runts.ok(['list', '-q']), new RegExp(`^${id}$`, 'm'));
    runts.ok(['kill', id, 'KILL']);
    for (let i = 0; i < 500 && runts.state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(runts.state(id).status, 'stopped');
    assert.equal(runts.state(id).pid, undefined);
    runts.ok(['delete', id]);
    assertNothingLeft(id, b.dir);
    assert.notEqual(runts.run(['state', id]).code, 0);
    b.cleanup();
  });

  it('delete refuses a running or created container; --force kills it', () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const a = uniqueId();
    const c = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, a]);
    const pid = runts.state(a).pid!;
    const refused = runts.run(['delete', a]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /running/);
    runts.ok(['delete', '--force', a]);
    assert.ok(!existsSync(`/proc/${pid}/cmdline`) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    assertNothingLeft(a);
    runts.ok(['create', '--bundle', b.dir, c]);
    assert.match(runts.run(['delete', c]).stderr, /it is created/);
    assert.equal(runts.state(c).status, 'created');
    runts.ok(['delete', '--force', c]);
    assertNothingLeft(c, b.dir);
    b.cleanup();
  });

  it('pause freezes every process and resume thaws them; a paused container refuses exec and delete, not --force', async () => {
    // A writable root: the loop appends a line to /tmp/n (one write each, so
    // never half a line), and the host counts them in the rootfs.
    const b = makeBundle((s) => (s.root!.readonly = false), ['sh', '-c', 'while true; do echo tick >> /tmp/n; sleep 0.02; done']);
    const id = uniqueId();
    const count = () => readFileSync(join(b.rootfs, 'tmp/n'), 'utf8').split('\n').length - 1;
    const settle = () => new Promise((r) => setTimeout(r, 300));
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    await settle();
    assert.match(runts.run(['resume', id]).stderr, /it is running, not paused/);
    runts.ok(['pause', id]);
    assert.equal(runts.state(id).status, 'paused');
    const frozenAt = count();
    await settle();
    assert.equal(count(), frozenAt, 'the loop went on while paused');
    assert.match(runts.run(['exec', id, 'true']).stderr, /it is paused/);
    assert.match(runts.run(['delete', id]).stderr, /it is paused/);
    assert.match(runts.run(['pause', id]).stderr, /it is paused, not running/);
    const list = JSON.parse(runts.ok(['list', '--format', 'json']));
    assert.equal(list.find((c: { id: string }) => c.id === id).status, 'paused');
    runts.ok(['resume', id]);
    assert.equal(runts.state(id).status, 'running');
    await settle();
    assert.ok(count() > frozenAt, 'the loop did not go on after resume');
    // SIGKILL to a paused container thaws it, as runc's kill does (v1's frozen
    // processes would hold the signal pending forever); delete --force too.
    runts.ok(['pause', id]);
    runts.ok(['kill', id, 'KILL']);
    for (let i = 0; i < 500 && runts.state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(runts.state(id).status, 'stopped');
    runts.ok(['delete', id]);
    assertNothingLeft(id);
    const other = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, other]);
    runts.ok(['pause', other]);
    runts.ok(['delete', '--force', other]);
    assertNothingLeft(other, b.dir);
    b.cleanup();
  });

  it('starts a container whose start socket path is longer than a socket address holds', () => {
    // containerd's roots plus a 64-character id come near the 107 bytes of sun_path.
    const root = join(runts.root, 'x'.repeat(60));
    const id = uniqueId().padEnd(64, 'f');
    const b = makeBundle();
    const r = (args: string[]) => runCaptured(RUNTS, ['--root', root, ...args]);
    try {
      assert.ok(join(root, id, 'exec.sock').length > 107);
      assert.equal(r(['create', '--bundle', b.dir, id]).code, 0);
      const start = r(['start', id]);
      assert.equal(start.code, 0, start.stderr);
    } finally {
      assert.equal(r(['delete', '--force', id]).code, 0);
    }
    assert.ok(!existsSync(join(root, id)), 'state left behind');
    assertNothingLeft(id, b.dir);
    rmSync(root, { recursive: true });
    b.cleanup();
  });

  it('kill --all signals every process of the container', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'sleep 30 & sleep 30 & wait']);
    const id = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const ps = () => JSON.parse(runts.ok(['ps', '--format', 'json', id])) as number[];
    for (let i = 0; i < 200 && ps().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ps().length, 3);
    runts.ok(['kill', '--all', id, 'SIGKILL']);
    for (let i = 0; i < 500 && runts.state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(runts.state(id).status, 'stopped');
    runts.ok(['delete', id]);
    b.cleanup();
  });
});

describe('delete, concurrency and crashes', () => {
  it('delete --force removes a fork bomb: no state, no cgroups, no processes', async () => {
    // Every process forks again and again (test/helpers/forkbomb.c); the pids
    // limit keeps the bomb at 200. Without a pid namespace, so that the kernel
    // does not end the bomb with the init: only delete can stop it.
    const b = makeBundle((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
      s.linux!.resources!.pids = { limit: 200 };
    }, ['/bin/forkbomb']);
    const cc = spawnSync('cc', ['-static', '-O', '-o', join(b.rootfs, 'bin', 'forkbomb'), join(import.meta.dirname, '..', 'helpers', 'forkbomb.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const id = uniqueId();
    runts.ok(['create', '--bundle', b.dir, id]);
    const pidsDir = cgroupDirsOf(id).find((d) => d.startsWith('/sys/fs/cgroup/pids/'));
    assert.ok(pidsDir, 'the container has a v1 pids cgroup');
    runts.ok(['start', id]);
    const current = () => Number(readFileSync(join(pidsDir, 'pids.current'), 'utf8'));
    await waitFor(() => current() >= 150, 20_000);
    const pids = readFileSync(join(pidsDir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    const r = runts.run(['delete', '--force', id]);
    assert.equal(r.code, 0, r.stderr);
    assertNothingLeft(id, b.dir);
    // The cgroups could go only once empty; and none of the bomb's pids runs it any more.
    for (const pid of pids) {
      const cmd = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
      assert.ok(!cmd.startsWith('/bin/forkbomb'), `bomb process ${pid} survived`);
    }
    b.cleanup();
  });

  it('concurrent deletes of one container: one acts (one poststop), the others find nothing', async () => {
    const b = makeBundle(undefined, ['true']);
    const log = join(b.dir, 'poststop.log');
    b.spec.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `echo stopped >> ${log}`] }] };
    b.write();
    for (const force of [false, true]) {
      const id = uniqueId();
      runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      await waitFor(() => runts.state(id).status === 'stopped');
      const results = await Promise.all(Array.from({ length: 6 }, () => runts.runAsync(['delete', ...(force ? ['--force'] : []), id])));
      if (force) assert.deepEqual(results.map((r) => r.code), [0, 0, 0, 0, 0, 0], results.map((r) => r.stderr).join(''));
      else {
        assert.equal(results.filter((r) => r.code === 0).length, 1, results.map((r) => r.stderr).join(''));
        for (const r of results.filter((r) => r.code !== 0)) assert.match(r.stderr, /does not exist/);
      }
      assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean), ['stopped'], `poststop ran more than once (--force: ${force})`);
      assertNothingLeft(id, b.dir);
      rmSync(log);
    }
    assert.deepEqual(readdirSync(runts.root).filter((n) => n.startsWith('.')), [], 'claims or graves left in the state root');
    b.cleanup();
  });

  it('a create killed between its claim and the init\'s pid is removed by delete --force, with its cgroups', async () => {
    // The executor blocks connecting to a console socket whose backlog is
    // full (one connection never accepted): runts waits for the init's pid.
    const b = makeBundle((s) => (s.process!.terminal = true), ['true']);
    const sock = join(b.dir, 'console.sock');
    const holder = spawn('perl', ['-MSocket', '-e', `socket(S, PF_UNIX, SOCK_STREAM, 0) or die; bind(S, pack_sockaddr_un("${sock}")) or die; listen(S, 0) or die;
      socket(C, PF_UNIX, SOCK_STREAM, 0) or die; connect(C, pack_sockaddr_un("${sock}")) or die; $| = 1; print "ready\n"; sleep 600;`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const id = uniqueId();
    try {
      await new Promise((r) => holder.stdout.once('data', r));
      const create = spawn(RUNTS, runts.args(['create', '--bundle', b.dir, '--console-socket', sock, id]), { stdio: 'ignore', detached: true });
      const exited = new Promise((r) => create.on('exit', r));
      await waitFor(() => cgroupDirsOf(id).length > 0, 20_000);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(create.exitCode, null, 'the create was held');
      // runts and its executor die, as in a crash or an OOM kill.
      process.kill(-create.pid!, 'SIGKILL');
      await exited;
      assert.ok(cgroupDirsOf(id).length > 0);
      assert.equal(runts.state(id).status, 'stopped');
      runts.ok(['delete', '--force', id]);
      assertNothingLeft(id, b.dir);
    } finally {
      holder.kill('SIGKILL');
      b.cleanup();
    }
  });

  it('delete --force removes a claim without a record, and one whose creator died with cgroups made', () => {
    // An empty claim (what a runts that died at once after mkdir leaves): list and state do not show it.
    const empty = uniqueId();
    mkdirSync(join(runts.root, empty));
    assert.ok(!JSON.parse(runts.ok(['list', '--format', 'json'])).some((c: { id: string }) => c.id === empty));
    assert.match(runts.run(['state', empty]).stderr, /does not exist/);
    mkdirSync(join(runts.root, empty));
    runts.ok(['delete', '--force', empty]);
    assert.ok(!existsSync(join(runts.root, empty)), 'the empty claim is left');
    // A creating record whose creator and init are dead, with a cgroup it made.
    const id = uniqueId();
    const cgroup = join('/sys/fs/cgroup/pids', id);
    const dead = spawnSync('true').pid;
    mkdirSync(cgroup);
    mkdirSync(join(runts.root, id));
    const bundle = makeBundle();
    writeFileSync(join(runts.root, id, 'state.json'), JSON.stringify({
      id, bundle: '/nonexistent', rootfs: '/nonexistent/rootfs', pid: 0, pidStartTime: '', created: new Date().toISOString(),
      creating: true, creator: { pid: dead, startTime: '1' }, spec: bundle.spec, cgroups: { dirs: [cgroup], created: [cgroup], names: ['pids'], parents: [] },
    }));
    assert.equal(runts.state(id).status, 'stopped');
    runts.ok(['delete', '--force', id]);
    assert.ok(!existsSync(cgroup), 'the cgroup is left');
    assertNothingLeft(id);
    bundle.cleanup();
  });

  it('a container\'s init leads a session of its own without a terminal', () => {
    const b = makeBundle(undefined, ['cat', '/proc/1/stat']);
    const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
    assert.equal(r.code, 0, r.stderr);
    // Fields after the command: state, ppid, pgrp, session.
    const [, , pgrp, session] = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
    assert.equal(session, '1');
    assert.equal(pgrp, '1');
    b.cleanup();
  });
});

describe('bad input leaves nothing behind', () => {
  it('an invalid config names the field', () => {
    const b = makeBundle((s) => (s.linux!.namespaces![1].type = 'netwrok' as never));
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /linux\.namespaces\[1\]\.type: unknown namespace type "netwrok"/);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('a cgroupsPath that is the root cgroup is refused before anything is made', () => {
    const b = makeBundle((s) => (s.linux!.cgroupsPath = '/'));
    const id = uniqueId();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /linux\.cgroupsPath/);
    assertNothingLeft(id);
    b.cleanup();
  });

  it('a malformed config.json, a missing one and a missing rootfs are named', () => {
    const b = makeBundle();
    const id = uniqueId();
    const run = () => runts.run(['create', '--bundle', b.dir, id]);
    b.spec.root!.path = 'nope';
    b.write();
    assert.match(run().stderr, /root\.path: .*nope does not exist/);
    writeFileSync(join(b.dir, 'config.json'), '{"ociVersion": "1.0.2",');
    assert.match(run().stderr, /config\.json: \(document\): not valid JSON/);
    b.cleanup();
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read config\.json/);
    assertNothingLeft(id);
  });

  it('an id that exists is refused without touching the existing container', () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    runts.ok(['create', '--bundle', b.dir, id]);
    const pid = runts.state(id).pid;
    const r = runts.run(['create', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists/);
    assert.equal(runts.state(id).status, 'created');
    assert.equal(runts.state(id).pid, pid);
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });

  it('invalid ids are refused', () => {
    const b = makeBundle();
    for (const id of ['../escape', 'a/b', '', '.deleted-x', '.claim-x']) {
      const r = runts.run(['create', '--bundle', b.dir, id]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /container id/);
    }
    b.cleanup();
  });

  it('a create that fails half way (a mount step) reports the step and cleans up', () => {
    const b = makeBundle((s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/nonexistent-source', options: ['bind'] }));
    const id = uniqueId();
    const r = runts.run(['create', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mount \/nonexistent-source on \/data.*ENOENT.*\(step \d+, mount\)/);
    assertNothingLeft(id, b.dir);
    b.cleanup();
  });

  it('a program that does not exist fails create, not start', () => {
    const b = makeBundle(undefined, ['no-such-program']);
    const id = uniqueId();
    const r = runts.run(['create', '--bundle', b.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"no-such-program": executable file not found in \$PATH/);
    assertNothingLeft(id, b.dir);
    b.cleanup();
  });

  it('operations in the wrong state, unknown signals and unknown containers fail clearly', async () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    assert.match(runts.run(['start', id]).stderr, /it is running, not created/);
    assert.match(runts.run(['kill', id, 'SIGNOPE']).stderr, /unknown signal "SIGNOPE"/);
    runts.ok(['kill', id, '9']);
    for (let i = 0; i < 500 && runts.state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(runts.run(['kill', id]).stderr, /not running/);
    assert.match(runts.run(['exec', id, 'true']).stderr, /it is stopped/);
    runts.ok(['delete', id]);
    assert.match(runts.run(['state', id]).stderr, /does not exist/);
    assert.match(runts.run(['delete', id]).stderr, /does not exist/);
    assert.equal(runts.run(['delete', '--force', id]).code, 0);
    assert.match(runts.run(['start']).stderr, /requires a container id/);
    assert.match(runts.run(['create', '--bogus', 'x']).stderr, /flag provided but not defined: -bogus/);
    b.cleanup();
  });
});
