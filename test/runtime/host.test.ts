// The host addon (native/host): posix_spawn with an fd map, socketpair,
// isatty, connectUnix, sealedCopy, string arguments that may not hold a NUL,
// and exit statuses collected by the reaper; and the line channel the runtime
// speaks over such sockets.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { hostCalls } from '../../src/runtime/native.ts';
import { LineChannel } from '../../src/runtime/channel.ts';
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

test('spawn passes no fd but the mapped ones, even those its caller left open, and no environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    const stray = openSync(join(dir, 'stray'), 'w');
    // A Node whose own caller left fds 40 and 300 open without close-on-exec spawns a shell.
    const native = resolve(import.meta.dirname, '..', '..', 'src', 'runtime', 'native.ts');
    const reaper = resolve(import.meta.dirname, '..', '..', 'src', 'runtime', 'reaper.ts');
    const script = `
      const { hostCalls } = await import(${JSON.stringify(native)});
      const { exitOf } = await import(${JSON.stringify(reaper)});
      const pid = hostCalls().spawn('${SH}', ['sh', '-c', 'ls /proc/$$/fd; echo "[$RUNTS_HOST_MARKER]"'], [-1, 1, 2], '/');
      process.exitCode = await exitOf(pid);`;
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe'];
    for (let n = 3; n <= 300; n++) stdio.push(n === 40 || n === 300 ? stray : 'ignore');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      stdio, encoding: 'utf8', env: { ...process.env, RUNTS_HOST_MARKER: 'from-caller' },
    });
    closeSync(stray);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split(/\s+/);
    assert.equal(lines.at(-1), '[]');
    assert.deepEqual(lines.slice(0, -1).map(Number).sort((a, b) => a - b), [0, 1, 2]);
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

test('isatty tells a terminal from a file or a socket', () => {
  const host = hostCalls();
  const pty = openSync('/dev/ptmx', 'r+');
  const file = openSync('/dev/null', 'r');
  const [x, y] = host.socketpair();
  try {
    assert.equal(host.isatty(pty), true);
    assert.equal(host.isatty(file), false);
    assert.equal(host.isatty(x), false);
    assert.equal(host.isatty(9999), false);
  } finally {
    for (const fd of [pty, file, x, y]) closeSync(fd);
  }
});

test('connectUnix connects a blocking socket, and names the path when it cannot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  const { createServer } = await import('node:net');
  const server = createServer((c) => c.end('hello\n'));
  try {
    const path = join(dir, 's.sock');
    await new Promise<void>((r) => server.listen(path, r));
    const fd = hostCalls().connectUnix(path);
    const got = await new Promise<string>((resolve) => {
      let text = '';
      new LineChannel(fd, (line) => (text += line), () => resolve(text));
    });
    assert.equal(got, 'hello');
    assert.throws(() => hostCalls().connectUnix(join(dir, 'missing.sock')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.message.includes('missing.sock'));
    assert.throws(() => hostCalls().connectUnix(`/${'x'.repeat(200)}`), (e: NodeJS.ErrnoException) => e.code === 'ENAMETOOLONG');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LineChannel splits lines as bytes, keeps UTF-8 cut between reads whole, and closes at EOF', async () => {
  const [x, y] = hostCalls().socketpair();
  const lines: string[] = [];
  const closed = new Promise<void>((resolve) => new LineChannel(y, (l) => lines.push(l), resolve));
  const snow = Buffer.from('☃');
  writeSync(x, Buffer.concat([Buffer.from('PID 42\nERR 3 mount 2 /a'), snow.subarray(0, 1)]));
  await new Promise((r) => setTimeout(r, 20));
  writeSync(x, Buffer.concat([snow.subarray(1), Buffer.from('\nREADY\npartial')]));
  closeSync(x);
  await closed;
  // A line without its newline at EOF is not a message.
  assert.deepEqual(lines, ['PID 42', 'ERR 3 mount 2 /a☃', 'READY']);
});

test('sealedCopy makes a memfd with the file\'s bytes that nothing can change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    writeFileSync(join(dir, 'f'), 'executor bytes');
    const fd = hostCalls().sealedCopy(join(dir, 'f'));
    try {
      assert.equal(readlinkSync(`/proc/self/fd/${fd}`), '/memfd:runts-executor (deleted)');
      assert.equal(readFileSync(`/proc/self/fd/${fd}`, 'utf8'), 'executor bytes');
      assert.throws(() => writeFileSync(`/proc/self/fd/${fd}`, 'changed'), (e: NodeJS.ErrnoException) => e.code === 'EPERM');
      assert.equal(readFileSync(`/proc/self/fd/${fd}`, 'utf8'), 'executor bytes');
    } finally {
      closeSync(fd);
    }
    assert.throws(() => hostCalls().sealedCopy(join(dir, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a string argument holding a NUL is refused, not cut short at it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    assert.throws(() => hostCalls().mknodat(-100, `${dir}/fifo\0tail`, 0o10600, 0, 0), (e: Error) => e instanceof TypeError && e.message === 'mknodat: bad arguments');
    assert.throws(() => hostCalls().setxattr(`${dir}\0x`, 'user.a', Buffer.from('v')), (e: Error) => e instanceof TypeError && e.message === 'setxattr: bad arguments');
    assert.deepEqual(readdirSync(dir), []);
    hostCalls().mknodat(-100, `${dir}/fifo`, 0o10600, 0, 0);
    assert.ok(lstatSync(`${dir}/fifo`).isFIFO());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eventfd counts what is written to it, close-on-exec', () => {
  const fd = hostCalls().eventfd();
  try {
    assert.match(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'), /^flags:\s+0?2000002$/m);
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(3n);
    writeSync(fd, n);
    writeSync(fd, n);
    const got = Buffer.alloc(8);
    assert.equal(readSync(fd, got, 0, 8, null), 8);
    assert.equal(got.readBigUInt64LE(), 6n);
  } finally {
    closeSync(fd);
  }
});

test('readFiles reads each file of a directory whole; a missing one, or directory, is null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-host-'));
  try {
    const big = 'x'.repeat(200_000);
    writeFileSync(join(dir, 'a'), 'one\n');
    writeFileSync(join(dir, 'big'), big);
    writeFileSync(join(dir, 'empty'), '');
    assert.deepEqual(hostCalls().readFiles(dir, ['a', 'missing', 'big', 'empty']), ['one\n', null, big, '']);
    assert.deepEqual(hostCalls().readFiles(join(dir, 'nope'), ['a']), [null]);
    assert.throws(() => hostCalls().readFiles(dir, ['a/b']), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' && /a\/b/.test(e.message));
    assert.throws(() => hostCalls().readFiles(dir, ['a\0b']), /readFiles: bad arguments/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
