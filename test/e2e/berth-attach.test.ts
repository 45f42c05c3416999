// berth attach (output, stdin, detach keys on a real terminal, --no-stdin)
// and logs followed through the library.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { Berth } from '../../src/engine/berth.ts';
import { BERTH, berthOk, engineHooks, type EngineImages, onTerminal, type TestEngine } from '../helpers/engine.ts';
import { waitFor } from '../helpers/runts.ts';

let images: EngineImages;
let e: TestEngine;
let lib: Berth;
engineHooks((f) => ({ images, e, lib } = f), [], true);

const ok = (args: string[]) => berthOk(e, args);

const state = (name: string) => ok(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.State}}']).trim();

describe('berth attach', () => {
  it('sees the output, sends stdin, and ends with the container\'s status', async () => {
    ok(['run', '-d', '-i', '--name', 'echoer', images.busybox, 'sh', '-c', 'echo ready; while read l; do echo "echo: $l"; done; exit 7']);
    const child = spawn(BERTH, [...e.globalArgs, 'attach', 'echoer'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    // Output from before the attach is in the log, not the stream: what follows the first line is.
    child.stdin.write('first\n');
    await waitFor(() => out.includes('echo: first'), 20_000);
    child.stdin.end('second\n');
    assert.equal(await code, 7);
    assert.match(out, /echo: first\necho: second\n/);
    assert.equal(state('echoer'), 'exited');
  });

  it('--no-stdin leaves the container\'s stdin alone', async () => {
    ok(['run', '-d', '-i', '--name', 'quiet', images.busybox, 'sh', '-c', 'while :; do echo tick; sleep 0.1; done']);
    const child = spawn(BERTH, [...e.globalArgs, 'attach', '--no-stdin', 'quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const closed = new Promise((r) => child.on('close', r));
    child.stdin.end('exit\n');
    await waitFor(() => out.includes('tick'), 20_000);
    child.kill('SIGKILL');
    await closed;
    assert.equal(state('quiet'), 'running');
    ok(['rm', '-f', 'quiet']);
  });

  it('the detach keys leave the container running (default ctrl-p,ctrl-q, and --detach-keys)', async () => {
    ok(['run', '-d', '-i', '-t', '--name', 'tty', images.busybox, 'sh']);
    const attach = (extra: string[]) => onTerminal([BERTH, ...e.globalArgs, 'attach', ...extra, 'tty'].join(' '));
    const first = attach([]);
    first.type('echo hello-$((6*7))\r');
    await first.waitFor(/hello-42/);
    first.type('\x10\x11');
    assert.equal(await first.exit, 0, first.output());
    assert.equal(state('tty'), 'running');
    const second = attach(['--detach-keys', 'ctrl-x,y']);
    second.type('echo again-$((2*3))\r');
    await second.waitFor(/again-6/);
    // A ctrl-x that the sequence does not complete goes to the container: here, a line it runs.
    second.type('\x18echo still-$((1+1))\r');
    await second.waitFor(/still-2/);
    second.type('\x18y');
    assert.equal(await second.exit, 0, second.output());
    assert.equal(state('tty'), 'running');
    const third = attach([]);
    third.type('exit 4\r');
    assert.equal(await third.exit, 4, third.output());
    assert.equal(state('tty'), 'exited');
  });

  it('refuses a container that is not running, and bad detach keys', () => {
    ok(['create', '--name', 'made', images.busybox, 'true']);
    const r = e.berth(['attach', 'made']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container made is created: you cannot attach to a container that is not running/);
    assert.match(e.berth(['attach', '--detach-keys', 'ctrl-!', 'made']).stderr, /--detach-keys: "ctrl-!" is not a key/);
  });
});

describe('Berth.attach (library)', () => {
  it('gives the container\'s stdio as streams and its status', async () => {
    ok(['run', '-d', '-i', '--name', 'streamed', images.busybox, 'sh', '-c', 'while read l; do echo "out $l"; echo "err $l" >&2; done; exit 9']);
    const s = await lib.attach('streamed');
    let out = '';
    let err = '';
    s.stdout.on('data', (d: Buffer) => (out += d));
    s.stderr.on('data', (d: Buffer) => (err += d));
    s.stdin.write('one\n');
    await waitFor(() => out.includes('out one') && err.includes('err one'), 20_000);
    s.stdin.end('two\n');
    assert.equal(await s.exit, 9);
    assert.equal(out, 'out one\nout two\n');
    assert.equal(err, 'err one\nerr two\n');
  });
});

describe('Berth.logs (library)', () => {
  it('follows the log until the container stops, then ends', async () => {
    const id = ok(['run', '-d', '--name', 'counter', images.busybox, 'sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done; echo to-stderr >&2']).trim();
    const got: string[] = [];
    for await (const l of lib.logs(id, { follow: true, timestamps: true })) got.push(`${l.stream} ${l.output.replace(/^\S+ /, '')}`);
    assert.deepEqual(got, ['stdout line 1\n', 'stdout line 2\n', 'stdout line 3\n', 'stdout line 4\n', 'stdout line 5\n', 'stderr to-stderr\n']);
    const tail = [];
    for await (const l of lib.logs('counter', { tail: 2 })) tail.push(l.output);
    assert.deepEqual(tail, ['line 5\n', 'to-stderr\n']);
    assert.equal(ok(['logs', '--tail', '1', 'counter']), '');
    await assert.rejects(async () => {
      for await (const _ of lib.logs('counter', { since: 'yesterday' })) void _;
    }, /since: "yesterday" is not a time/);
  });

  it('follows across rotations: every line once and in order', async () => {
    const id = ok(['run', '-d', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', images.busybox, 'sh', '-c', 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo line $i; usleep 5000; done']).trim();
    const got: string[] = [];
    for await (const l of lib.logs(id, { follow: true, pollMs: 50 })) got.push(l.output);
    assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => `line ${i + 1}\n`));
    // The files hold the last few kB: what a read of them gives now starts well after line 1.
    const kept: string[] = [];
    for await (const l of lib.logs(id)) kept.push(l.output);
    assert.ok(kept.length < 300 && kept.at(-1) === 'line 300\n', `${kept.length} lines kept`);
  });
});
