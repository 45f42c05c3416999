// The container monitor (native/monitor) through the library: the CRI log,
// its rotation, the exit record, attach, a terminal, a creator that dies, and
// that nothing is left behind, bad input included.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rootlessSpec } from '../../src/oci/default-spec.ts';
import { OptionError } from '../../src/oci/errors.ts';
import { attach } from '../../src/runtime/attach.ts';
import { logFileNames, logLines, parseRecord } from '../../src/runtime/cri-log.ts';
import { createThroughRuntime, type MonitorRecord, readExitRecord, removeMonitor, waitExitRecord } from '../../src/runtime/monitor.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { processAlive } from '../../src/runtime/state-store.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { cgroupDirsOf, waitFor } from '../helpers/runts.ts';

const root = mkdtempSync(join(tmpdir(), 'runts-mon-'));
const work = mkdtempSync(join(tmpdir(), 'runts-mon-dirs-'));
const rt = new Runtime({ root });
// What a failed test left: its containers (their cgroups and monitors) first, then the directories.
after(async () => {
  for (const id of rt.store.ids()) await rt.delete(id, true).catch(() => {});
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});
const RUNC = '/usr/sbin/runc';
let n = 0;
const monDir = () => join(work, `m${++n}`);

/** Processes whose command line mentions s (a monitor names its log path there). */
function processesMentioning(s: string): number[] {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s)) out.push(Number(p));
    } catch {}
  }
  return out;
}

async function deleteAndCheck(id: string, mon: MonitorRecord, force = false): Promise<void> {
  await rt.delete(id, force);
  assert.ok(!existsSync(join(root, id)), 'state directory left');
  assert.deepEqual(cgroupDirsOf(id), [], 'cgroups left');
  assert.ok(!existsSync(mon.dir), 'monitor directory left');
  assert.ok(!processAlive(mon.pid, mon.startTime), 'monitor still running');
  assert.deepEqual(processesMentioning(mon.dir), [], 'a process of the container is left');
}

function records(path: string) {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
    const r = parseRecord(l);
    assert.ok(r, `not a CRI record: ${JSON.stringify(l)}`);
    return r;
  });
}

describe('container monitor', () => {
  it('logs stdout and stderr in the CRI format, long lines in P pieces, and records the exit', async () => {
    // A line of exactly the buffer's size is whole (F); a longer one comes in P pieces.
    const script = 'echo out1; echo err1 >&2; printf "%20000s\\n" x; printf "%8192s\\n" y; echo out2; printf tail; exit 3';
    const b = makeBundle(undefined, ['sh', '-c', script]);
    const id = uniqueId('mon');
    const before = Date.now();
    const c = await rt.run(id, { bundle: b.dir, wait: true, monitor: { dir: monDir() } });
    assert.equal(await c.exit, 3);
    const mon = c.monitor!;
    const recs = records(mon.logPath);
    const summary = recs.map((r) => `${r.stream} ${r.partial ? 'P' : 'F'} ${r.text.length}`);
    assert.deepEqual(summary.filter((s) => s.startsWith('stderr')), ['stderr F 4']);
    assert.deepEqual(summary.filter((s) => s.startsWith('stdout')), [
      'stdout F 4', 'stdout P 8192', 'stdout P 8192', 'stdout F 3616', 'stdout F 8192', 'stdout F 4', 'stdout P 4',
    ]);
    assert.equal(recs.find((r) => r.stream === 'stderr')!.text, 'err1');
    const lines = logLines([readFileSync(mon.logPath, 'utf8')]).filter((l) => l.stream === 'stdout');
    assert.deepEqual(lines.map((l) => l.text.trim()), ['out1', 'x', 'y', 'out2', 'tail']);
    assert.equal(lines[1].text.length, 20000);
    assert.equal(lines[4].partial, true);
    const exit = readExitRecord(mon.dir)!;
    assert.equal(exit.status, 3);
    assert.equal(exit.signal, 0);
    const at = Date.parse(exit.exitedAt);
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000, exit.exitedAt);
    assert.equal(rt.state(id).status, 'stopped');
    // The record notes the monitor, with its start time.
    assert.deepEqual(rt.record(id).monitor, mon);
    await deleteAndCheck(id, mon);
    b.cleanup();
  });

  it('runs the exit command once the exit is recorded, the monitor gone: it may delete the container', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'exit 6']);
    const id = uniqueId('mon');
    const seen = join(work, `seen-${n}`);
    const helper = join(import.meta.dirname, '..', 'helpers', 'monitor-exit.ts');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir(), exitCommand: [process.execPath, helper, root, id, seen] } });
    await waitFor(() => existsSync(seen), 20_000);
    const { status, deleteMs } = JSON.parse(readFileSync(seen, 'utf8'));
    assert.equal(status, 6);
    // Had the monitor waited for its command, delete would have waited out its grace and killed it.
    assert.ok(deleteMs < 5000, `delete took ${deleteMs} ms`);
    assert.ok(!existsSync(join(root, id)));
    assert.ok(!existsSync(c.monitor!.dir));
    assert.deepEqual(cgroupDirsOf(id), []);
    rmSync(seen);
    await assert.rejects(rt.run(uniqueId('mon'), { bundle: b.dir, monitor: { dir: monDir(), exitCommand: ['sh'] } }), /monitor.exitCommand/);
    b.cleanup();
  });

  it('runs the timer command while the container runs, one run at a time, none once it has exited', async () => {
    const b = makeBundle(undefined, ['sleep', '100']);
    const id = uniqueId('mon');
    const runs = join(work, `timer-${n}`);
    // Each run outlasts the interval: the turns due while it goes are skipped, never run beside it.
    const script = 'echo "start $PPID $(pwd) $(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1)" >> "$1"; sleep 0.2; echo end >> "$1"';
    const timer = { intervalMs: 20, firstDelayMs: 0, command: ['/bin/sh', '-c', script, 'timer', runs] };
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir(), timer } });
    const mon = c.monitor!;
    const lines = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean) : []);
    await waitFor(() => lines().filter((l) => l === 'end').length >= 3, 30_000);
    rt.kill(id, 'SIGKILL');
    await waitExitRecord(mon);
    // The monitor leaves at once; a run going then (even one forked, not yet started) is left to
    // finish: every such process names the file, the monitor's own command line included.
    await waitFor(() => !processAlive(mon.pid, mon.startTime));
    await waitFor(() => processesMentioning(runs).length === 0, 30_000);
    const seen = lines();
    // Run by the monitor, from /, stdio on /dev/null; a start, its end, the next start.
    seen.forEach((l, i) => assert.equal(l, i % 2 ? 'end' : `start ${mon.pid} / /dev/null /dev/null`, `line ${i}: ${seen.join(' | ')}`));
    // No monitor, no timer: nothing more comes (a wait that cannot make this pass by chance).
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(lines(), seen);
    await deleteAndCheck(id, mon);
    rmSync(runs);
    b.cleanup();
  });

  it('records 0 for a clean exit and 128+signal for a killed container', async () => {
    const b0 = makeBundle(undefined, ['true']);
    const id0 = uniqueId('mon');
    const c0 = await rt.run(id0, { bundle: b0.dir, monitor: { dir: monDir() } });
    const e0 = await waitExitRecord(c0.monitor!);
    assert.deepEqual([e0.status, e0.signal], [0, 0]);
    await deleteAndCheck(id0, c0.monitor!);
    b0.cleanup();

    const b = makeBundle(undefined, ['sleep', '100']);
    const id = uniqueId('mon');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir() } });
    assert.equal(readExitRecord(c.monitor!.dir), undefined);
    assert.equal(rt.state(id).status, 'running');
    rt.kill(id, 'SIGKILL');
    const e = await waitExitRecord(c.monitor!);
    assert.deepEqual([e.status, e.signal], [137, 9]);
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('create, then start: the created init is the monitor\'s until it runs', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'echo started']);
    const id = uniqueId('mon');
    const c = await rt.create(id, { bundle: b.dir, monitor: { dir: monDir() } });
    assert.equal(rt.state(id).status, 'created');
    const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), c.monitor!.pid, 'the init is not the monitor\'s child');
    // The monitor is the last the OOM killer takes (lowering it takes CAP_SYS_RESOURCE, which
    // root lacks on some hosts: then it keeps its creator's); the container keeps its creator's.
    const capEff = BigInt(`0x${/^CapEff:\s+(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
    const own = readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
    assert.equal(readFileSync(`/proc/${c.monitor!.pid}/oom_score_adj`, 'utf8').trim(), capEff & (1n << 24n) ? '-1000' : own);
    assert.equal(readFileSync(`/proc/${c.pid}/oom_score_adj`, 'utf8'), readFileSync('/proc/self/oom_score_adj', 'utf8'));
    await rt.start(id);
    const e = await waitExitRecord(c.monitor!);
    assert.equal(e.status, 0);
    assert.deepEqual(records(c.monitor!.logPath).map((r) => r.text), ['started']);
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('rotates the log at the configured size, keeping the configured number of files', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done']);
    const id = uniqueId('mon');
    const dir = monDir();
    const logPath = join(work, `rotated-${n}.log`);
    const c = await rt.run(id, { bundle: b.dir, wait: true, monitor: { dir, logPath, logMaxSize: 2000, logMaxFiles: 3 } });
    assert.equal(await c.exit, 0);
    const files = logFileNames(logPath, 3);
    for (const f of files) {
      assert.ok(existsSync(f), `${f} missing`);
      assert.ok(statSync(f).size <= 2000, `${f} is ${statSync(f).size} bytes`);
      records(f);
    }
    assert.ok(!existsSync(`${logPath}.3`), 'more files kept than asked');
    // What is kept is the end of the output, in order, nothing missing in between.
    const kept = logLines(files.map((f) => readFileSync(f, 'utf8'))).map((l) => Number(l.text.split(' ')[1]));
    assert.equal(kept.at(-1), 199);
    assert.deepEqual(kept, kept.map((_, i) => kept[0] + i));
    assert.ok(kept.length > 60, `only ${kept.length} lines kept`);
    await deleteAndCheck(id, c.monitor!);
    // One file kept: it starts over.
    const id1 = uniqueId('mon');
    const c1 = await rt.run(id1, { bundle: b.dir, wait: true, monitor: { dir: monDir(), logMaxSize: 2000, logMaxFiles: 1 } });
    assert.equal(await c1.exit, 0);
    assert.ok(statSync(c1.monitor!.logPath).size <= 2000);
    assert.ok(!existsSync(`${c1.monitor!.logPath}.1`));
    assert.equal(logLines([readFileSync(c1.monitor!.logPath, 'utf8')]).at(-1)!.text, 'line 199');
    await deleteAndCheck(id1, c1.monitor!);
    // A log outside the monitor's directory is the caller's.
    assert.ok(existsSync(logPath));
    for (const f of files) rmSync(f);
    b.cleanup();
  });

  it('keeps the container, its status and every log line when its creator dies', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'i=0; while [ $i -lt 60 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done; exit 5']);
    const id = uniqueId('mon');
    const dir = monDir();
    const creator = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'helpers', 'monitor-creator.ts'), root, b.dir, id, dir], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(creator.signal, 'SIGKILL', creator.stderr);
    const { monitor } = JSON.parse(creator.stdout) as { monitor: MonitorRecord };
    assert.deepEqual(rt.record(id).monitor, monitor);
    const e = await waitExitRecord(monitor);
    assert.equal(e.status, 5);
    const lines = logLines([readFileSync(monitor.logPath, 'utf8')]);
    assert.deepEqual(lines.map((l) => l.text), Array.from({ length: 60 }, (_, i) => `line ${i}`));
    assert.equal(rt.state(id).status, 'stopped');
    await deleteAndCheck(id, monitor);
    b.cleanup();
  });

  it('serves attach: output to the client, its stdin to the container', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'read line; echo "got:$line"; echo bye >&2']);
    const id = uniqueId('mon');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir(), stdin: true } });
    const got = { stdout: '', stderr: '' };
    const a = await attach(c.monitor!.dir, (stream, data) => (got[stream] += data.toString()));
    a.write('hello\n');
    const exit = await a.exit;
    assert.equal(exit?.status, 0);
    assert.equal(got.stdout, 'got:hello\n');
    assert.equal(got.stderr, 'bye\n');
    const recs = records(c.monitor!.logPath);
    assert.deepEqual(recs.map((r) => `${r.stream} ${r.text}`).sort(), ['stderr bye', 'stdout got:hello']);
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('closes the container\'s stdin when a client says so, and serves several clients', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'cat; echo done']);
    const id = uniqueId('mon');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir(), stdin: true } });
    const outs = ['', ''];
    const clients = await Promise.all(outs.map((_, i) => attach(c.monitor!.dir, (_, data) => (outs[i] += data.toString()))));
    clients[0].write('one\n');
    clients[1].write('two\n');
    clients[1].closeStdin();
    const exits = await Promise.all(clients.map((a) => a.exit));
    assert.deepEqual(exits.map((e) => e?.status), [0, 0]);
    assert.deepEqual(outs, ['one\ntwo\ndone\n', 'one\ntwo\ndone\n']);
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('drops a client that does not read, and logs every line all the same', async () => {
    const pad = 'x'.repeat(90);
    const b = makeBundle(undefined, ['sh', '-c', `i=0; while [ $i -lt 20000 ]; do echo "line $i ${pad}"; i=$((i+1)); done`]);
    const id = uniqueId('mon');
    const c = await rt.create(id, { bundle: b.dir, monitor: { dir: monDir() } });
    let got = 0;
    const slow = await attach(c.monitor!.dir, (_, data) => (got += data.length));
    slow.socket.pause();
    await rt.start(id);
    const e = await waitExitRecord(c.monitor!);
    assert.equal(e.status, 0);
    // The monitor hung up on it rather than wait: what it did not take is not an exit.
    slow.socket.resume();
    assert.equal(await slow.exit, undefined);
    assert.ok(got < 20000 * 100, `the client took everything (${got} bytes)`);
    const lines = logLines([readFileSync(c.monitor!.logPath, 'utf8')]);
    assert.equal(lines.length, 20000);
    assert.ok(lines.every((l, i) => l.text === `line ${i} ${pad}`));
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('holds a terminal: its output is logged and a resize reaches it', async () => {
    const b = makeBundle((s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 24, width: 80 };
    }, ['sh', '-c', 'stty size; read x; stty size']);
    const id = uniqueId('mon');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir(), stdin: true } });
    let out = '';
    const a = await attach(c.monitor!.dir, (_, data) => (out += data.toString()));
    // The size it started with is in the log before it is changed.
    await waitFor(() => existsSync(c.monitor!.logPath) && readFileSync(c.monitor!.logPath, 'utf8').includes('24 80'));
    a.resize(30, 100);
    a.write('go\n');
    const exit = await a.exit;
    assert.equal(exit?.status, 0);
    assert.match(out, /30 100/);
    const text = records(c.monitor!.logPath).map((r) => r.text).join('\n');
    assert.match(text, /24 80/);
    assert.match(text, /30 100/);
    assert.ok(records(c.monitor!.logPath).every((r) => r.stream === 'stdout'));
    await deleteAndCheck(id, c.monitor!);
    b.cleanup();
  });

  it('delete --force kills a running container and its monitor goes with it', async () => {
    const b = makeBundle(undefined, ['sleep', '100']);
    const id = uniqueId('mon');
    const c = await rt.create(id, { bundle: b.dir, monitor: { dir: monDir() } });
    assert.equal(rt.state(id).status, 'created');
    assert.ok(processAlive(c.monitor!.pid, c.monitor!.startTime));
    await deleteAndCheck(id, c.monitor!, true);
    b.cleanup();
  });

  it('delete --force kills a monitor that does not go by itself', async () => {
    const b = makeBundle(undefined, ['sleep', '100']);
    const id = uniqueId('mon');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: monDir() } });
    // Stopped, it can neither reap its container nor exit.
    process.kill(c.monitor!.pid, 'SIGSTOP');
    const waiting = waitExitRecord(c.monitor!);
    // Its refusal may come while the delete is still going: handled from now, asserted below.
    waiting.catch(() => {});
    await deleteAndCheck(id, c.monitor!, true);
    // Killed, it recorded nothing: a waiter hears so rather than waiting forever.
    await assert.rejects(waiting, /exited without recording/);
    b.cleanup();
  });

  it('runs an OCI runtime binary (runc) under the monitor, as conmon does', { skip: existsSync(RUNC) ? false : `${RUNC} is not installed` }, async () => {
    const runcRoot = mkdtempSync(join(tmpdir(), 'runts-mon-runc-'));
    const runc = (...args: string[]) => spawnSync(RUNC, ['--root', runcRoot, ...args], { encoding: 'utf8', timeout: 30_000 });
    const b = makeBundle(undefined, ['sh', '-c', 'echo from runc; echo oops >&2; exit 4']);
    const id = uniqueId('monrunc');
    try {
      const c = await createThroughRuntime({ path: RUNC, globalArgs: ['--root', runcRoot] }, id, b.dir, { dir: monDir() }, false);
      assert.equal(JSON.parse(runc('state', id).stdout).status, 'created');
      assert.equal(readExitRecord(c.monitor.dir), undefined);
      const start = runc('start', id);
      assert.equal(start.status, 0, start.stderr);
      const e = await waitExitRecord(c.monitor);
      assert.equal(e.status, 4);
      assert.deepEqual(records(c.monitor.logPath).map((r) => `${r.stream} ${r.text}`).sort(), ['stderr oops', 'stdout from runc']);
      assert.equal(runc('delete', id).status, 0);
      await removeMonitor(c.monitor, 5000);
      assert.ok(!existsSync(c.monitor.dir));
      assert.ok(!processAlive(c.monitor.pid, c.monitor.startTime));
      assert.deepEqual(cgroupDirsOf(id), []);
      // A create the runtime refuses: its words come back, and nothing is left.
      const dir = monDir();
      await assert.rejects(createThroughRuntime({ path: RUNC, globalArgs: ['--root', runcRoot] }, id, join(work, 'no-bundle'), { dir }, false), /create exited with status 1: .+/);
      assert.ok(!existsSync(dir));
      assert.deepEqual(processesMentioning(dir), []);
    } finally {
      runc('delete', '--force', id);
      rmSync(runcRoot, { recursive: true, force: true });
      b.cleanup();
    }
  });

  it('a create that fails in the executor leaves no monitor behind', async () => {
    const b = makeBundle((s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: join(work, 'no-such-source'), options: ['bind'] });
    });
    const id = uniqueId('mon');
    const dir = monDir();
    await assert.rejects(rt.run(id, { bundle: b.dir, monitor: { dir } }), /no-such-source/);
    assert.ok(!existsSync(join(root, id)), 'state directory left');
    assert.deepEqual(cgroupDirsOf(id), [], 'cgroups left');
    assert.ok(!existsSync(dir), 'monitor directory left');
    assert.deepEqual(processesMentioning(dir), [], 'a monitor is left');
    b.cleanup();
  });

  it('a create refused while planning, the monitor already started, leaves no monitor behind', async () => {
    // The monitor starts before the plan is made (its set-up overlaps the planning); this
    // host has no SELinux, so the label is refused by the plan, after the monitor is spawned.
    const b = makeBundle((s) => {
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    });
    const id = uniqueId('mon');
    const dir = monDir();
    await assert.rejects(rt.run(id, { bundle: b.dir, monitor: { dir } }), /linux\.mountLabel/);
    assert.ok(!existsSync(join(root, id)), 'state directory left');
    assert.deepEqual(cgroupDirsOf(id), [], 'cgroups left');
    assert.ok(!existsSync(dir), 'monitor directory left');
    assert.deepEqual(processesMentioning(dir), [], 'a monitor is left');
    b.cleanup();
  });

  it('works for a user (rootless), the library run as nobody', () => {
    const NOBODY = 65534;
    const xdg = mkdtempSync(join(tmpdir(), 'runts-mon-xdg-'));
    chownSync(xdg, NOBODY, NOBODY);
    const b = makeBundle();
    const spec = rootlessSpec(NOBODY, NOBODY);
    spec.process!.terminal = false;
    spec.process!.args = ['sh', '-c', 'echo hi; id -u; exit 2'];
    writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
    try {
      const r = spawnSync('setpriv', [
        `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i', `XDG_RUNTIME_DIR=${xdg}`, 'USER=nobody', 'PATH=/usr/bin:/bin',
        process.execPath, join(import.meta.dirname, '..', 'helpers', 'monitor-user.ts'), join(xdg, 'runts'), b.dir, uniqueId('monuser'), join(xdg, 'mon'),
      ], { encoding: 'utf8', timeout: 30_000, cwd: '/' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { status: 2, lines: ['stdout hi', 'stdout 0'], rootless: true, dirLeft: false });
      assert.deepEqual(readdirSync(join(xdg, 'runts')), []);
    } finally {
      rmSync(xdg, { recursive: true, force: true });
      b.cleanup();
    }
  });

  it('refuses bad monitor options by name and leaves nothing behind', async () => {
    const b = makeBundle();
    const dangling = join(work, 'dangling.log');
    symlinkSync(join(work, 'no-such-dir', 'x.log'), dangling);
    const cases: [string, Parameters<Runtime['run']>[1]['monitor'], Partial<Parameters<Runtime['run']>[1]>?][] = [
      ['monitor.logPath', { dir: monDir(), logPath: join(work, 'no-such-dir', 'x.log') }],
      ['monitor.logPath', { dir: monDir(), logPath: '/proc/self/runts-monitor-test.log' }],
      // Its directory is there and writable: the monitor itself finds it cannot open it.
      ['monitor.logPath', { dir: monDir(), logPath: dangling }],
      ['monitor.dir', { dir: work }],
      ['monitor.dir', { dir: join(work, 'no-such-dir', 'm') }],
      ['monitor.logMaxFiles', { dir: monDir(), logMaxFiles: 0 }],
      ['monitor.logMaxSize', { dir: monDir(), logMaxSize: -1 }],
      ['monitor', { dir: monDir() }, { stdio: ['ignore', 'ignore', 'ignore'] }],
      ['monitor.timer', { dir: monDir(), timer: null as never }],
      ['monitor.timer.intervalMs', { dir: monDir(), timer: { intervalMs: 0, command: ['/bin/true'] } }],
      ['monitor.timer.intervalMs', { dir: monDir(), timer: { command: ['/bin/true'] } as never }],
      ['monitor.timer.firstDelayMs', { dir: monDir(), timer: { intervalMs: 10, firstDelayMs: 1.5, command: ['/bin/true'] } }],
      ['monitor.timer.command', { dir: monDir(), timer: { intervalMs: 10, command: ['true'] } }],
      ['monitor.cgroupProcs', { dir: monDir(), cgroupProcs: ['cgroup.procs'] }],
      // An absolute path the monitor cannot write to: it says so before it starts anything.
      ['monitor.cgroupProcs', { dir: monDir(), cgroupProcs: [join(work, 'no-such-cgroup', 'cgroup.procs')] }],
    ];
    for (const [option, monitor, extra] of cases) {
      const id = uniqueId('mon');
      await assert.rejects(rt.run(id, { bundle: b.dir, monitor, ...extra }), (e: Error) => {
        assert.ok(e instanceof OptionError, `${option}: ${e.message}`);
        assert.equal(e.option, option, e.message);
        if (monitor!.logPath === dangling) assert.match(e.message, /cannot open .*ENOENT/);
        if (monitor!.cgroupProcs?.[0].startsWith('/')) assert.match(e.message, /cannot join .*no-such-cgroup.*ENOENT/);
        return true;
      });
      assert.ok(!existsSync(join(root, id)), `${option}: state directory left`);
      assert.deepEqual(cgroupDirsOf(id), [], `${option}: cgroups left`);
      if (monitor!.dir !== work) assert.ok(!existsSync(monitor!.dir), `${option}: monitor directory left`);
      if (monitor!.logPath) assert.deepEqual(processesMentioning(monitor!.logPath), [], `${option}: a monitor is left`);
      assert.deepEqual(processesMentioning(monitor!.dir), [], `${option}: a process of the monitor is left`);
    }
    assert.ok(existsSync(work), 'an existing directory given as monitor.dir was removed');
    b.cleanup();
  });
});
