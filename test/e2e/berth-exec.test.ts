// berth exec, CLI and library: exit codes as Docker's (the status, 126, 127),
// -e/-u/-w/-i/-d/--privileged observed from inside, -t on a real terminal
// (script(1) gives berth a pty).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Berth, ExecFailedError } from '../../src/engine/berth.ts';
import { capMask } from '../../src/runtime/capabilities.ts';
import { BERTH, type EngineImages, onTerminal, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';
import { waitFor } from '../helpers/runts.ts';

let images: EngineImages;
let e: TestEngine;
let lib: Berth;

before(async () => {
  images = await startImages();
  e = testEngine(images.registry.host);
  const r = e.berth(['run', '-d', '--name', 'box', images.busybox, 'sleep', '600']);
  assert.equal(r.code, 0, r.stderr);
  lib = new Berth({ root: e.root, runRoot: e.runRoot, images: { registry: { hosts: { [images.registry.host]: { plainHttp: true } } } } });
});

after(async () => {
  lib?.close();
  e?.cleanup();
  await images?.stop();
});

/** All a stream gives until it ends. */
async function text(s: Readable): Promise<string> {
  let out = '';
  for await (const d of s) out += d;
  return out;
}

function execOut(args: string[]): string {
  const r = e.berth(['exec', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('berth exec', () => {
  it('exits with the process status: 0, 3', () => {
    assert.equal(e.berth(['exec', 'box', 'true']).code, 0);
    assert.equal(e.berth(['exec', 'box', 'sh', '-c', 'exit 3']).code, 3);
  });

  it('exits 127 for a command not found, 126 for one that cannot be invoked', () => {
    const missing = e.berth(['exec', 'box', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /"no-such-command": executable file not found/);
    const notExec = e.berth(['exec', 'box', '/etc/passwd']);
    assert.equal(notExec.code, 126);
    assert.match(notExec.stderr, /\/etc\/passwd: not an executable file/);
    const badDir = e.berth(['exec', '-w', '/no/such/dir', 'box', 'true']);
    assert.equal(badDir.code, 126);
    assert.match(badDir.stderr, /^berth: workdir: .*chdir \/no\/such\/dir/m);
    const badUser = e.berth(['exec', '-u', 'nobody-here', 'box', 'true']);
    assert.equal(badUser.code, 126);
    assert.match(badUser.stderr, /user: .*"nobody-here" not found/);
  });

  it('runs with -e, -u (a name, or uid:gid) and -w as asked, the container environment kept', () => {
    const out = execOut(['-e', 'FOO=bar', '-e', 'PATH=/bin', '-u', 'app', '-w', '/tmp', 'box', 'sh', '-c', 'echo $FOO $PATH; id -u; id -g; id -G; pwd; echo $HOSTNAME']);
    const [env, uid, gid, groups, cwd, host] = out.trim().split('\n');
    assert.equal(env, 'bar /bin');
    assert.deepEqual([uid, gid, cwd], ['1000', '1001', '/tmp']);
    assert.match(groups, /\b50\b/, 'the user\'s supplementary group (staff) from /etc/group');
    assert.match(host, /^[0-9a-f]{12}$/);
    assert.equal(execOut(['-u', '1234:50', 'box', 'sh', '-c', 'echo $(id -u):$(id -g)']), '1234:50\n');
  });

  it('-i passes stdin; without it the process reads nothing', () => {
    const args = [...e.globalArgs, 'exec', '-i', 'box', 'sh', '-c', 'cat; echo end'];
    const r = spawnSync(BERTH, args, { input: 'from stdin\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'from stdin\nend\n');
    const closed = spawnSync(BERTH, [...e.globalArgs, 'exec', 'box', 'cat'], { input: 'ignored\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(closed.status, 0, closed.stderr);
    assert.equal(closed.stdout, '');
  });

  it('-d returns at once and leaves the process running in the container', async () => {
    const r = e.berth(['exec', '-d', 'box', 'sh', '-c', 'echo detached > /tmp/d; sleep 600']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    await waitFor(() => e.berth(['exec', 'box', 'cat', '/tmp/d']).stdout === 'detached\n', 10_000);
    assert.match(execOut(['box', 'ps', '-o', 'args']), /sleep 600\n[\s\S]*sleep 600/, 'the init and the detached sleep');
  });

  it('--privileged has every capability; a plain exec the container\'s', () => {
    const eff = (args: string[]) => BigInt(`0x${/CapEff:\s*(\S+)/.exec(execOut([...args, 'box', 'cat', '/proc/self/status']))![1]}`);
    const admin = capMask(['CAP_SYS_ADMIN']);
    assert.equal(eff([]) & admin, 0n);
    assert.equal(eff(['--privileged']) & admin, admin);
  });

  it('-t gets a terminal of its own, -it a raw one relayed both ways', async () => {
    const cmd = (args: string[]) => [BERTH, ...e.globalArgs, 'exec', ...args].join(' ');
    const t = spawnSync('script', ['-qec', cmd(['-t', 'box', 'sh', '-c', 'tty; echo $TERM']), '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(t.status, 0, t.stdout);
    assert.match(t.stdout, /\/dev\/pts\/\d+\r*\nxterm\r*\n/);
    const term = onTerminal(cmd(['-it', 'box', 'sh', '-c', 'stty -echo; echo ready; read line; echo "got $line"']));
    await term.waitFor(/ready/);
    term.type('typed\r');
    assert.equal(await term.exit, 0, term.output());
    assert.match(term.output(), /got typed/);
  });

  it('refuses a stopped container, an unknown one, and a missing command', () => {
    const c = e.berth(['create', '--name', 'idle', images.busybox, 'true']);
    assert.equal(c.code, 0, c.stderr);
    const stopped = e.berth(['exec', 'idle', 'true']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /container idle is not running/);
    assert.match(e.berth(['exec', 'nosuch', 'true']).stderr, /no such container: nosuch/);
    assert.match(e.berth(['exec', 'box']).stderr, /usage: berth exec/);
    assert.equal(e.berth(['rm', 'idle']).code, 0);
  });

  it('-d -t: the process has a terminal the container\'s monitor holds and drains, so it neither blocks nor hangs up', async () => {
    // 230 kB to a terminal nobody reads would block at its first few kB; a master let go would hang it up.
    const r = e.berth(['exec', '-d', '-t', 'box', 'sh', '-c', 'tty > /tmp/dt-tty; i=0; while [ $i -lt 3000 ]; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; i=$((i+1)); done; sleep 1; echo done > /tmp/dt-done']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    await waitFor(() => e.berth(['exec', 'box', 'cat', '/tmp/dt-done']).stdout === 'done\n', 20_000);
    assert.match(e.berth(['exec', 'box', 'cat', '/tmp/dt-tty']).stdout, /^\/dev\/pts\/\d+\n$/);
    // Its output is not the container's: the log has none of it.
    assert.doesNotMatch(e.berth(['logs', 'box']).stdout, /yyyy/);
  });
});

describe('Berth.exec (library)', () => {
  it('gives stdio as streams and the status as a promise', async () => {
    const p = await lib.exec('box', { cmd: ['sh', '-c', 'read x; echo "got $x"; echo oops >&2; exit 5'], stdin: true });
    const out = text(p.stdout!);
    const err = text(p.stderr!);
    p.stdin!.end('hello\n');
    assert.equal(await p.exit, 5);
    assert.equal(await out, 'got hello\n');
    assert.equal(await err, 'oops\n');
  });

  it('with tty, one stream from a terminal', async () => {
    const p = await lib.exec('box', { cmd: ['sh', '-c', 'tty; stty size'], tty: true, consoleSize: { rows: 33, cols: 101 } });
    const out = text(p.stdout!);
    assert.equal(p.stderr, undefined);
    assert.equal(await p.exit, 0);
    assert.match(await out, /\/dev\/pts\/\d+\r\n33 101\r\n/);
  });

  it('rejects with ExecFailedError carrying 127 or 126', async () => {
    await assert.rejects(lib.exec('box', { cmd: ['nope'] }), (err: unknown) => err instanceof ExecFailedError && err.exitCode === 127 && err.field === 'cmd');
    await assert.rejects(lib.exec('box', { cmd: ['true'], workdir: '/nope' }), (err: unknown) => err instanceof ExecFailedError && err.exitCode === 126 && err.field === 'workdir');
    await assert.rejects(lib.exec('box', { cmd: [] }), /cmd: a command to run is required/);
    await assert.rejects(lib.exec('box', { cmd: ['true'], env: ['NOEQUALS'] }), /env\[0\]: "NOEQUALS" is not KEY=VALUE/);
  });
});
