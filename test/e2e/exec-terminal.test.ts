// exec into a running container, and terminals: --console-socket (the pty
// master passed over a unix socket, as containerd receives it) and a
// foreground run -t relayed by runts itself.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { capMask } from '../../src/runtime/capabilities.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, Runts } from '../helpers/runts.ts';

const runts = new Runts();
const work = mkdtempSync(join(tmpdir(), 'runts-tty-'));
const recvtty = join(work, 'recvtty');
let b: Bundle;
let id: string;

before(() => {
  const cc = spawnSync('cc', ['-O', '-o', recvtty, join(import.meta.dirname, '..', 'helpers', 'recvtty.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  b = makeBundle((s) => {
    s.hostname = 'execbox';
    s.process!.env!.push('BASE=1');
  }, ['sleep', '60']);
  id = uniqueId();
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
});

after(() => {
  runts.cleanup();
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('exec', () => {
  it('runs in the container namespaces with its env, plus -e, --cwd and --user', () => {
    const out = runts.ok(['exec', '-e', 'EXTRA=2', '--cwd', '/tmp', '--user', '1000:1001', id, 'sh', '-c', 'hostname; echo $BASE $EXTRA; pwd; id -u; id -g; echo $$']);
    const [host, env, cwd, uid, gid, pid] = out.trim().split('\n');
    assert.deepEqual([host, env, cwd, uid, gid], ['execbox', '1 2', '/tmp', '1000', '1001']);
    assert.notEqual(pid, '1');
  });

  it('returns the exit status of the process', () => {
    assert.equal(runts.run(['exec', id, 'sh', '-c', 'exit 42']).code, 42);
  });

  it('--detach with --pid-file leaves the process running in the container', () => {
    const pidFile = join(work, 'exec.pid');
    runts.ok(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '30']);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\0/);
    const ps = JSON.parse(runts.ok(['ps', '--format', 'json', id])) as number[];
    assert.ok(ps.includes(pid));
    process.kill(pid, 'SIGKILL');
  });

  it('--process runs a process.json, and --cap adds capabilities', () => {
    const proc = join(work, 'process.json');
    writeFileSync(proc, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'echo from-json $X'], env: ['X=y', 'PATH=/bin'], cwd: '/' }));
    assert.equal(runts.ok(['exec', '--process', proc, id]), 'from-json y\n');
    const status = runts.ok(['exec', '--cap', 'CAP_SYS_ADMIN', id, 'cat', '/proc/self/status']);
    const eff = BigInt(`0x${/CapEff:\s*(\S+)/.exec(status)![1]}`);
    assert.equal(eff & capMask(['CAP_SYS_ADMIN']), capMask(['CAP_SYS_ADMIN']));
  });

  it('lands in the container root of a --no-pivot container', () => {
    const nb = makeBundle(undefined, ['sleep', '30']);
    writeFileSync(join(nb.rootfs, 'marker'), 'inside\n');
    const nid = uniqueId();
    try {
      runts.ok(['run', '-d', '--no-pivot', '--bundle', nb.dir, nid]);
      assert.equal(runts.ok(['exec', nid, 'cat', '/marker']), 'inside\n');
    } finally {
      runts.run(['delete', '--force', nid]);
      nb.cleanup();
    }
  });

  it('fails clearly for a missing program and a bad --user', () => {
    assert.match(runts.run(['exec', id, 'nope']).stderr, /"nope": executable file not found/);
    assert.match(runts.run(['exec', '--user', 'bob', id, 'true']).stderr, /--user: expected uid\[:gid\]/);
    assert.match(runts.run(['exec', id]).stderr, /needs a command/);
  });
});

/** A foreground run -t, its terminal relayed by runts to the one script(1) gives it. */
function relayed(tb: Bundle) {
  const cmd = [RUNTS, ...runts.args(['run', '--bundle', tb.dir, uniqueId()])].join(' ');
  return spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
}

describe('terminal', () => {
  it('passes the pty master over --console-socket', async () => {
    const sock = join(work, 'console.sock');
    const receiver = spawn(recvtty, [sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    receiver.stdout.on('data', (d) => (out += d));
    const closed = new Promise((res) => receiver.on('close', res));
    while (!out.includes('listening')) await new Promise((r) => setTimeout(r, 5));
    const tb = makeBundle((s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 30, width: 100 };
    }, ['sh', '-c', 'tty; stty size; echo done']);
    const tid = uniqueId();
    const r = await runts.runAsync(['run', '-d', '--console-socket', sock, '--bundle', tb.dir, tid]);
    assert.equal(r.code, 0, r.stderr);
    await closed;
    assert.match(out, /received \/dev\/ptmx/);
    assert.match(out, /\/dev\/pts\/0\r\n30 100\r\ndone/);
    runts.ok(['delete', '--force', tid]);
    tb.cleanup();
  });

  it('relays a foreground run -t through runts', () => {
    const tb = makeBundle((s) => (s.process!.terminal = true), ['sh', '-c', 'tty; echo relayed']);
    const r = relayed(tb);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/0\r?\n.*relayed/s);
    tb.cleanup();
  });

  it('binds the terminal on /dev/console', () => {
    const tb = makeBundle((s) => (s.process!.terminal = true), ['sh', '-c', 'tty; stat -c "%F %t:%T" /dev/console $(tty)']);
    const r = relayed(tb);
    assert.equal(r.status, 0, r.stdout);
    // Now and then the terminal echoes a NUL (as ^@) before stat's output, under script(1) only; its
    // source is not found yet (noted on the issue). What this test is about, the console bind, is asserted.
    assert.match(r.stdout, /\/dev\/pts\/0\r?\n(\^@)?character special file 88:0\r?\ncharacter special file 88:0\r?\n/);
    tb.cleanup();
  });

  it('exec -t gets a terminal of its own', () => {
    const cmd = [RUNTS, ...runts.args(['exec', '-t', id, 'tty'])].join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r?\n/);
  });

  it('a terminal without a console socket in create is refused', () => {
    const tb = makeBundle((s) => (s.process!.terminal = true));
    const r = runts.run(['create', '--bundle', tb.dir, uniqueId()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /process\.terminal: a terminal needs --console-socket/);
    tb.cleanup();
  });
});
