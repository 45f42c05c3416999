// The host addon (native/host): posix_spawn with an fd map, socketpair, and
// exit statuses collected by the reaper.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostCalls } from '../../src/runtime/native.ts';
import { exitOf } from '../../src/runtime/reaper.ts';

const SH = '/bin/sh';

test('spawn maps each fd to its slot, even when a source is another slot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    const a = openSync(join(dir, 'a'), 'w');
    const b = openSync(join(dir, 'b'), 'w');
    // The child's fd 1 gets b and its fd 3 gets a: sources and targets overlap when a or b is 1..3.
    const fds = [-1, b, 2, a];
    const pid = hostCalls().spawn(SH, ['sh', '-c', 'echo one >&1; echo three >&3; read x || echo stdin-empty >&3'], fds, dir);
    assert.equal(await exitOf(pid), 0);
    closeSync(a);
    closeSync(b);
    assert.equal(readFileSync(join(dir, 'b'), 'utf8'), 'one\n');
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'three\nstdin-empty\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spawn runs in cwd with default signal dispositions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    const out = openSync(join(dir, 'out'), 'w');
    // Node ignores SIGPIPE; the child must not inherit that.
    const pid = hostCalls().spawn(SH, ['sh', '-c', 'pwd; grep SigIgn /proc/self/status'], [-1, out, 2], dir);
    assert.equal(await exitOf(pid), 0);
    closeSync(out);
    const [cwd, ign] = readFileSync(join(dir, 'out'), 'utf8').trim().split('\n');
    assert.equal(cwd, dir);
    assert.equal(BigInt(`0x${ign.split(/\s+/)[1]}`) & (1n << 12n), 0n, `SIGPIPE ignored in the child: ${ign}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exitOf gives the exit code, or 128 + the signal', async () => {
  const host = hostCalls();
  const codes = await Promise.all([
    exitOf(host.spawn(SH, ['sh', '-c', 'exit 7'], [-1, -1, -1], '/')),
    exitOf(host.spawn(SH, ['sh', '-c', 'kill -TERM $$'], [-1, -1, -1], '/')),
    exitOf(host.spawn(SH, ['sh', '-c', 'exit 0'], [-1, -1, -1], '/')),
  ]);
  assert.deepEqual(codes, [7, 128 + 15, 0]);
});

test('spawn of a missing program throws ENOENT naming it', () => {
  assert.throws(() => hostCalls().spawn('/nonexistent/prog', ['prog'], [-1, -1, -1], '/'), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /\/nonexistent\/prog/);
    return true;
  });
});

test('socketpair gives two connected close-on-exec fds', () => {
  const [x, y] = hostCalls().socketpair();
  try {
    for (const fd of [x, y]) {
      const flags = Number.parseInt(/flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
      assert.ok(flags & 0o2000000, `fd ${fd} is not close-on-exec (flags 0${flags.toString(8)})`);
    }
    writeSync(x, 'ping');
    const buf = Buffer.alloc(4);
    assert.equal(readSync(y, buf), 4);
    assert.equal(buf.toString(), 'ping');
  } finally {
    closeSync(x);
    closeSync(y);
  }
});
