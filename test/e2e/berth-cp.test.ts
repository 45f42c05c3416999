// berth cp both ways, Docker's placement rules, and the canary: symlinks in
// the container (to /, to ../../, to a host path) never let cp read or write
// a host file; device nodes and setuid bits do not come out.

import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { Berth } from '../../src/engine/berth.ts';
import { tarBuffer, type WriteEntry } from '../../src/image/tar/writer.ts';
import { BERTH, type EngineImages, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let work: string;
let canary: string;

before(async () => {
  images = await startImages();
  e = testEngine(images.registry.host);
  work = mkdtempSync(join(tmpdir(), 'berth-cp-'));
  // Host files at paths the container's symlinks name: cp must never reach them.
  canary = mkdtempSync(join(tmpdir(), 'berth-canary-'));
  writeFileSync(join(canary, 'secret'), 'HOST SECRET\n');
  writeFileSync(join(canary, 'target'), 'host original\n');
  ok(['run', '-d', '--name', 'box', images.busybox, 'sleep', '600']);
  ok(['exec', 'box', 'sh', '-c', [
    `mkdir -p /data/sub ${canary}`,
    'echo inside > /data/file', 'echo deep > /data/sub/deep', 'echo suid > /data/suid', 'chmod 4755 /data/suid',
    'ln -s / /escape', 'ln -s ../../ /data/up', `ln -s ${canary}/target /data/hostlink`, 'ln -s /etc/passwd /data/link',
    `echo container secret > ${canary}/secret`, 'mknod /data/null c 1 3',
  ].join(' && ')]);
});

after(async () => {
  e?.cleanup();
  await images?.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(canary, { recursive: true, force: true });
});

function ok(args: string[]): string {
  const r = e.berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function hostUntouched(): void {
  assert.equal(readFileSync(join(canary, 'secret'), 'utf8'), 'HOST SECRET\n');
  assert.equal(readFileSync(join(canary, 'target'), 'utf8'), 'host original\n');
  assert.equal(existsSync(join(canary, 'written')), false);
}

describe('berth cp out of a container', () => {
  it('copies a directory as a new one: files, modes, symlinks as symlinks; no device, no setuid', () => {
    const r = e.berth(['cp', 'box:/data', join(work, 'data-copy')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipped "null": not a regular file, directory or symlink/);
    const d = join(work, 'data-copy');
    assert.equal(readFileSync(join(d, 'file'), 'utf8'), 'inside\n');
    assert.equal(readFileSync(join(d, 'sub', 'deep'), 'utf8'), 'deep\n');
    assert.equal(readlinkSync(join(d, 'link')), '/etc/passwd');
    assert.equal(readlinkSync(join(d, 'up')), '../../');
    assert.equal(existsSync(join(d, 'null')), false);
    assert.equal(statSync(join(d, 'suid')).mode & 0o7777, 0o755);
    // Into an existing directory: by its name; SRC/. copies the contents.
    ok(['cp', 'box:/data/sub', join(d, 'sub')]);
    assert.equal(readFileSync(join(d, 'sub', 'sub', 'deep'), 'utf8'), 'deep\n');
    mkdirSync(join(work, 'contents'));
    ok(['cp', 'box:/data/sub/.', join(work, 'contents')]);
    assert.equal(readFileSync(join(work, 'contents', 'deep'), 'utf8'), 'deep\n');
  });

  it('resolves symlinks inside the container: / and ../../ are its root, a host path is its own', () => {
    ok(['cp', `box:/escape${canary}/secret`, join(work, 'via-root')]);
    assert.equal(readFileSync(join(work, 'via-root'), 'utf8'), 'container secret\n');
    ok(['cp', `box:/data/up/data/up${canary}/secret`, join(work, 'via-dotdot')]);
    assert.equal(readFileSync(join(work, 'via-dotdot'), 'utf8'), 'container secret\n');
    // The symlink itself, not followed; followed (-L) it names a file the container does not have.
    ok(['cp', 'box:/data/hostlink', join(work, 'link-itself')]);
    assert.equal(lstatSync(join(work, 'link-itself')).isSymbolicLink(), true);
    const followed = e.berth(['cp', '-L', 'box:/data/hostlink', join(work, 'followed')]);
    assert.equal(followed.code, 1);
    assert.match(followed.stderr, /no such file or directory in container box: \/data\/hostlink/);
    assert.equal(existsSync(join(work, 'followed')), false);
    hostUntouched();
  });

  it('refuses what Docker refuses', () => {
    assert.match(e.berth(['cp', 'box:/nope', work]).stderr, /no such file or directory in container box: \/nope/);
    assert.match(e.berth(['cp', 'box:/data/file/', work]).stderr, /not a directory/);
    assert.match(e.berth(['cp', 'box:/data', join(work, 'via-root')]).stderr, /cannot copy a directory to a file/);
    assert.match(e.berth(['cp', 'box:/data/file', join(work, 'missing-dir') + '/']).stderr, /no such directory/);
    assert.match(e.berth(['cp', join(work, 'a'), join(work, 'b')]).stderr, /exactly one of the two paths is in a container/);
    assert.match(e.berth(['cp', 'nosuch:/x', work]).stderr, /no such container: nosuch/);
  });
});

describe('berth cp with a tar stream ("-")', () => {
  const cp = (args: string[], input?: Buffer) => spawnSync(BERTH, [...e.globalArgs, 'cp', ...args], { input, maxBuffer: 64 << 20 });
  const names = (tar: Buffer) => spawnSync('tar', ['-tvf', '-'], { input: tar, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(5).join(' ')).sort();

  it('writes SRC as a tar on standard output, under its name, or its contents with SRC/.', () => {
    let r = cp(['box:/data/sub', '-']);
    assert.equal(r.status, 0, String(r.stderr));
    assert.deepEqual(names(r.stdout), ['sub/', 'sub/deep']);
    const x = mkdtempSync(join(work, 'untar-'));
    assert.equal(spawnSync('tar', ['-xf', '-', '-C', x], { input: r.stdout }).status, 0);
    assert.equal(readFileSync(join(x, 'sub', 'deep'), 'utf8'), 'deep\n');
    r = cp(['box:/data/.', '-']);
    assert.equal(r.status, 0, String(r.stderr));
    const all = names(r.stdout);
    for (const n of ['file', 'sub/', 'sub/deep', 'up -> ../../', 'link -> /etc/passwd']) assert.ok(all.includes(n), `${n} in ${all.join(', ')}`);
    // A symlink to the root is itself, not the container's root; with -L a symlink to a file is the file.
    assert.deepEqual(names(cp(['box:/escape', '-']).stdout), ['escape -> /']);
    assert.deepEqual(names(cp(['-L', 'box:/data/link', '-']).stdout), ['link']);
    assert.match(String(cp(['box:/nope', '-']).stderr), /no such file or directory in container box: \/nope/);
  });

  it('extracts a tar from standard input into a directory: files, directories, links', async () => {
    const tar = await tarBuffer([
      { name: 'made/', type: 'dir', mode: 0o750 },
      { name: 'made/f', type: 'file', mode: 0o640, data: Buffer.from('from tar\n'), uid: 1000, gid: 1000 },
      { name: 'made/s', type: 'symlink', linkname: 'f' },
      { name: 'made/h', type: 'link', linkname: 'made/f' },
      { name: './top', type: 'file', mode: 0o644, data: Buffer.from('top\n') },
    ]);
    ok(['exec', 'box', 'mkdir', '-p', '/into']);
    const r = cp(['-', 'box:/into'], tar);
    assert.equal(r.status, 0, String(r.stderr));
    assert.equal(ok(['exec', 'box', 'sh', '-c', 'cat /into/made/s /into/top; stat -c "%a %u:%g %h" /into/made /into/made/f']), 'from tar\ntop\n750 0:0 2\n640 1000:1000 2\n');
  });

  it('refuses an entry that would leave DEST, by name, writing none of it', async () => {
    ok(['exec', 'box', 'mkdir', '-p', '/dest']);
    for (const [entry, why] of [
      [{ name: '../escaped', type: 'file', data: Buffer.from('x') }, /"\.\.\/escaped": a path with "\.\."/],
      [{ name: '/abs', type: 'file', data: Buffer.from('x') }, /"\/abs": an absolute path/],
      [{ name: 'h', type: 'link', linkname: '../data/file' }, /link target "\.\.\/data\/file" is a path with "\.\."/],
    ] as const) {
      const r = cp(['-', 'box:/dest'], await tarBuffer([entry as WriteEntry]));
      assert.equal(r.status, 1);
      assert.match(String(r.stderr), why);
    }
    // Through a symlink the container planted, to a path that is the canary on the host.
    ok(['exec', 'box', 'ln', '-s', canary, '/dest/tohost']);
    let r = cp(['-', 'box:/dest'], await tarBuffer([{ name: 'tohost/written', type: 'file', data: Buffer.from('payload') }]));
    assert.equal(r.status, 1);
    assert.match(String(r.stderr), /entry "tohost\/written": "tohost" on its path is not a directory in the container \(a symlink is not followed\)/);
    r = cp(['-', 'box:/dest/../data/file'], await tarBuffer([{ name: 'x', type: 'file', data: Buffer.from('x') }]));
    assert.match(String(r.stderr), /a tar stream goes into a directory/);
    assert.equal(ok(['exec', 'box', 'ls', '-A', '/dest']), 'tohost\n');
    hostUntouched();
  });
});

describe('berth cp into a container', () => {
  it('copies files and directories by Docker\'s rules', () => {
    const src = join(work, 'in');
    mkdirSync(join(src, 'nested'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'A\n', { mode: 0o640 });
    writeFileSync(join(src, 'nested', 'b.txt'), 'B\n');
    ok(['cp', join(src, 'a.txt'), 'box:/tmp/renamed.txt']);
    ok(['cp', join(src, 'a.txt'), 'box:/tmp']);
    ok(['cp', src, 'box:/data']);
    ok(['cp', `${src}/.`, 'box:/fresh']);
    const out = ok(['exec', 'box', 'sh', '-c', 'cat /tmp/renamed.txt /tmp/a.txt /data/in/nested/b.txt /fresh/a.txt /fresh/nested/b.txt; stat -c "%a %u" /tmp/a.txt']);
    assert.equal(out, 'A\nA\nB\nA\nB\n640 0\n');
    // Over an existing file.
    writeFileSync(join(src, 'a.txt'), 'A2\n');
    ok(['cp', join(src, 'a.txt'), 'box:/tmp/renamed.txt']);
    assert.equal(ok(['exec', 'box', 'cat', '/tmp/renamed.txt']), 'A2\n');
    assert.match(e.berth(['cp', join(src, 'a.txt'), 'box:/no/such/dir/']).stderr, /no such file or directory/);
    assert.match(e.berth(['cp', join(src, 'nope'), 'box:/tmp']).stderr, /SRC: .*nope: no such file or directory/);
  });

  it('writes through the container\'s symlinks inside its root, never onto the host', () => {
    const f = join(work, 'payload');
    writeFileSync(f, 'payload\n');
    ok(['cp', f, `box:/escape${canary}/written`]);
    ok(['cp', f, 'box:/data/hostlink']);
    ok(['cp', f, `box:/data/up${canary}/secret`]);
    assert.equal(ok(['exec', 'box', 'cat', `${canary}/written`, `${canary}/target`, `${canary}/secret`]), 'payload\npayload\npayload\n');
    hostUntouched();
  });

  it('works on a stopped container', () => {
    ok(['run', '--name', 'done', images.busybox, 'sh', '-c', 'echo left > /left']);
    ok(['cp', 'done:/left', join(work, 'left')]);
    assert.equal(readFileSync(join(work, 'left'), 'utf8'), 'left\n');
    ok(['cp', join(work, 'left'), 'done:/back']);
  });

  it('reaches volumes and binds as the container sees them; refuses what is mounted read-only', async () => {
    const hostDir = mkdtempSync(join(tmpdir(), 'berth-cp-bind-'));
    try {
      writeFileSync(join(hostDir, 'from-host'), 'bound\n');
      // Absolute in the container's terms: the volume, not a host /vol.
      symlinkSync('/vol', join(hostDir, 'tovol'));
      ok(['volume', 'create', 'cpvol']);
      ok(['create', '--name', 'mounts', '--read-only', '-v', 'cpvol:/vol', '-v', `${hostDir}:/bind`, '-v', 'cpvol:/rovol:ro', images.busybox, 'sh', '-c', 'cat /vol/in /bind/in /vol/via-link']);
      ok(['cp', join(work, 'left'), 'mounts:/vol/in']);
      ok(['cp', join(work, 'left'), 'mounts:/bind/in']);
      assert.equal(readFileSync(join(hostDir, 'in'), 'utf8'), 'left\n');
      ok(['cp', join(work, 'left'), 'mounts:/bind/tovol/via-link']);
      assert.ok(!existsSync('/vol/via-link'));
      ok(['cp', 'mounts:/bind/from-host', join(work, 'from-bind')]);
      assert.equal(readFileSync(join(work, 'from-bind'), 'utf8'), 'bound\n');
      ok(['cp', 'mounts:/rovol/in', join(work, 'from-rovol')]);
      assert.equal(readFileSync(join(work, 'from-rovol'), 'utf8'), 'left\n');
      for (const dest of ['mounts:/tmp', 'mounts:/rovol/x', 'mounts:/vol/../etc']) {
        const r = e.berth(['cp', join(work, 'left'), dest]);
        assert.equal(r.code, 1, dest);
        assert.match(r.stderr, /is read-only in container mounts \(its root filesystem, or the mount it is on\)/, dest);
      }
      const run = e.berth(['start', '-a', 'mounts']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'left\nleft\nleft\n');
      const lib = new Berth({ root: e.root, runRoot: e.runRoot });
      try {
        await assert.rejects(lib.copyTo(join(work, 'left'), 'mounts', '/etc'), /is read-only in container mounts/);
      } finally {
        lib.close();
      }
      ok(['rm', 'mounts']);
      ok(['volume', 'rm', 'cpvol']);
    } finally {
      rmSync(hostDir, { recursive: true, force: true });
    }
    ok(['cp', 'done:/back', join(work, 'back')]);
    assert.equal(readFileSync(join(work, 'back'), 'utf8'), 'left\n');
  });
});
