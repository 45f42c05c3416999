// berth volume create/ls/inspect/rm/prune, and volumes in containers: named
// (made on first use), anonymous (-v /path and the image's VOLUMEs), copy-up
// of the image's content, rm -v, a volume in use refused, and the local
// driver's options mounting a tmpfs or a bind while a container runs. Real
// containers from a local registry; every check on the host or inside.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dir, file } from '../image/helpers/layers.ts';
import { BERTH, type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let withVol: string;

const mountPoints = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter(Boolean);
const volDir = (name: string) => join(e.root, 'volumes', name);
const volumeNames = () => e.berth(['volume', 'ls', '-q']).stdout.split('\n').filter(Boolean);

before(async () => {
  images = await startImages([{
    repo: 'test/withvol',
    layers: [[dir('data'), file('data/seed.txt', 'from the image\n'), dir('data/sub'), file('data/sub/deep.txt', 'deep\n', 0o600, { uid: 1000, gid: 1001 })]],
    config: { Cmd: ['sh'], Volumes: { '/data': {} } },
  }]);
  withVol = `${images.registry.host}/test/withvol:latest`;
  e = testEngine(images.registry.host);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

describe('berth volume commands', () => {
  test('create, ls, inspect and rm in Docker\'s shapes', () => {
    let r = e.berth(['volume', 'create', '--label', 'team=a', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v1\n');
    assert.ok(existsSync(join(volDir('v1'), '_data')));
    // An existing name is returned as it is, as Docker's.
    assert.equal(e.berth(['volume', 'create', 'v1']).stdout, 'v1\n');
    assert.equal(e.berth(['volume', 'create', 'v2']).code, 0);
    r = e.berth(['volume', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DRIVER\s+VOLUME NAME\nlocal\s+v1\nlocal\s+v2\n$/);
    assert.deepEqual(e.berth(['volume', 'ls', '-q', '--filter', 'label=team=a']).stdout, 'v1\n');
    assert.deepEqual(e.berth(['volume', 'ls', '-q', '--filter', 'name=2']).stdout, 'v2\n');
    assert.deepEqual(e.berth(['volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']).stdout, 'v1 local local\nv2 local local\n');
    r = e.berth(['volume', 'inspect', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    const [obj] = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(obj), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(obj.Mountpoint, join(volDir('v1'), '_data'));
    assert.deepEqual(obj.Labels, { team: 'a' });
    assert.equal(obj.Options, null);
    assert.match(obj.CreatedAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    r = e.berth(['volume', 'rm', 'v1', 'v2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v1\nv2\n');
    assert.deepEqual(volumeNames(), []);
    assert.ok(!existsSync(volDir('v1')));
    r = e.berth(['volume', 'rm', 'v1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such volume: v1/);
    assert.equal(e.berth(['volume', 'rm', '-f', 'v1']).code, 0);
  });

  test('a nameless create makes an anonymous volume', () => {
    const r = e.berth(['volume', 'create']);
    assert.equal(r.code, 0, r.stderr);
    const name = r.stdout.trim();
    assert.match(name, /^[0-9a-f]{64}$/);
    const [obj] = JSON.parse(e.berth(['volume', 'inspect', name]).stdout) as { Labels: Record<string, string> }[];
    assert.deepEqual(obj.Labels, { 'com.docker.volume.anonymous': '' });
    assert.equal(e.berth(['volume', 'rm', name]).code, 0);
  });

  test('bad input names the field and leaves no row, directory or mount', () => {
    const cases: [string[], RegExp][] = [
      [['a'], /name: "a" includes invalid characters/],
      [['-bad'], /flag provided but not defined|invalid characters/],
      [['x/y'], /name: "x\/y" includes invalid characters/],
      [['..'], /name: "\.\." includes invalid characters/],
      [['--driver', 'nfs', 'v3'], /driver: "nfs": only the local driver/],
      [['--opt', 'foo=bar', 'v3'], /options\.foo: invalid option "foo"/],
      [['--opt', 'size=10m', 'v3'], /options\.size:/],
      [['--opt', 'type=tmpfs', 'v3'], /options\.device: missing required option "device"/],
      [['--opt', 'o=size=1m', '--opt', 'device=tmpfs', 'v3'], /options\.type: missing required option "type"/],
      [['--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/nonexistent/berth', 'v3'], /options\.device: bind source path does not exist/],
      [['--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=relative', 'v3'], /options\.device: a bind needs an absolute host path/],
      [['--opt', 'type=tmpfs,device=', 'v3'], /options\.device: is empty/],
      [['--opt', 'novalue', 'v3'], /--opt: "novalue" is not KEY=VALUE/],
    ];
    for (const [args, re] of cases) {
      const r = e.berth(['volume', 'create', ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    assert.deepEqual(volumeNames(), []);
    assert.deepEqual(existsSync(join(e.root, 'volumes')) ? readdirSync(join(e.root, 'volumes')) : [], []);
    assert.deepEqual(mountPoints().filter((m) => m.startsWith(`${e.root}/`)), []);
  });
});

describe('volumes in containers', () => {
  test('a named volume is made on first use, kept across containers, and refused to rm while used', () => {
    let r = e.berth(['run', '--rm', '-v', 'data1:/data', images.busybox, 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(volDir('data1'), '_data', 'f'), 'utf8'), 'kept\n');
    // Checked inside, by exit status: 3 if the content is not there, 1 from touch on the read-only mount.
    r = e.berth(['run', '--name', 'user1', '--mount', 'type=volume,source=data1,target=/v,readonly', images.busybox, 'sh', '-c', 'test "$(cat /v/f)" = kept || exit 3; touch /v/g']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!existsSync(join(volDir('data1'), '_data', 'g')));
    const id = e.berth(['inspect', '--format', '{{.Id}}', 'user1']).stdout.trim();
    // Docker's conflict, even for a stopped container, even with -f.
    for (const args of [['volume', 'rm', 'data1'], ['volume', 'rm', '-f', 'data1']]) {
      r = e.berth(args);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `berth: remove data1: volume is in use - [${id}]\n`);
    }
    assert.ok(existsSync(join(volDir('data1'), '_data', 'f')));
    const mounts = (JSON.parse(e.berth(['inspect', 'user1']).stdout) as { Mounts: Record<string, unknown>[] }[])[0].Mounts;
    assert.deepEqual(mounts, [{ Type: 'volume', Name: 'data1', Source: join(volDir('data1'), '_data'), Destination: '/v', Driver: 'local', Mode: '', RW: false, Propagation: '' }]);
    assert.equal(e.berth(['rm', 'user1']).code, 0);
    assert.equal(e.berth(['volume', 'rm', 'data1']).code, 0);
    assert.deepEqual(volumeNames(), []);
  });

  test('copy-up fills a new volume from the image, not with nocopy, not over content', () => {
    let r = e.berth(['run', '--rm', '-v', 'cu1:/data', withVol, 'sh', '-c', 'test "$(cat /data/seed.txt)" = "from the image" && test "$(stat -c %u:%g:%a /data/sub/deep.txt)" = 1000:1001:600']);
    assert.equal(r.code, 0, r.stderr);
    const deep = statSync(join(volDir('cu1'), '_data', 'sub', 'deep.txt'));
    assert.deepEqual([deep.uid, deep.gid, deep.mode & 0o7777], [1000, 1001, 0o600]);
    r = e.berth(['run', '--rm', '-v', 'cu2:/data:nocopy', withVol, 'sh', '-c', 'test -z "$(ls -A /data)"']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(volDir('cu2'), '_data')), []);
    writeFileSync(join(volDir('cu2'), '_data', 'mine'), 'x');
    r = e.berth(['run', '--rm', '-v', 'cu2:/data', withVol, 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(volDir('cu2'), '_data')), ['mine'], 'a volume with content is not copied into');
    assert.equal(e.berth(['volume', 'rm', 'cu1', 'cu2']).code, 0);
  });

  test('anonymous volumes: -v /path and the image\'s VOLUME, copied up, removed by rm -v and --rm', () => {
    let r = e.berth(['create', '--name', 'anon1', '-v', '/scratch', '-v', 'named1:/named', withVol, 'sh']);
    assert.equal(r.code, 0, r.stderr);
    const mounts = (JSON.parse(e.berth(['inspect', 'anon1']).stdout) as { Mounts: { Name: string; Destination: string }[] }[])[0].Mounts;
    const byDest = Object.fromEntries(mounts.map((m) => [m.Destination, m.Name]));
    assert.deepEqual(Object.keys(byDest).sort(), ['/data', '/named', '/scratch']);
    assert.equal(byDest['/named'], 'named1');
    assert.match(byDest['/data'], /^[0-9a-f]{64}$/);
    assert.match(byDest['/scratch'], /^[0-9a-f]{64}$/);
    assert.equal(readFileSync(join(volDir(byDest['/data']), '_data', 'seed.txt'), 'utf8'), 'from the image\n');
    assert.deepEqual(volumeNames().sort(), [byDest['/data'], byDest['/scratch'], 'named1'].sort());
    assert.equal(e.berth(['volume', 'ls', '-q', '--filter', 'dangling=true']).stdout, '');
    r = e.berth(['rm', '-v', 'anon1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(volumeNames(), ['named1']);
    assert.ok(!existsSync(volDir(byDest['/data'])));
    // --rm takes the anonymous volumes too; rm without -v leaves them dangling.
    assert.equal(e.berth(['run', '--rm', withVol, 'true']).code, 0);
    assert.deepEqual(volumeNames(), ['named1']);
    assert.equal(e.berth(['run', '--name', 'anon2', withVol, 'true']).code, 0);
    assert.equal(e.berth(['rm', 'anon2']).code, 0);
    const dangling = e.berth(['volume', 'ls', '-q', '--filter', 'dangling=true']).stdout.split('\n').filter(Boolean);
    assert.equal(dangling.length, 2);
    // prune without -a: anonymous only; with -a: named too.
    r = e.berth(['volume', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: \d+(\.\d+)?[kMG]?B\n$/);
    assert.deepEqual(volumeNames(), ['named1']);
    // Declined (stdin at its end): nothing goes.
    r = e.berth(['volume', 'prune', '-a']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /WARNING! This will remove all local volumes not used by at least one container\.\nAre you sure you want to continue\? \[y\/N\] $/);
    assert.deepEqual(volumeNames(), ['named1']);
    r = e.berth(['volume', 'prune', '-f', '-a']);
    assert.equal(r.stdout, 'Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B\n');
    assert.deepEqual(volumeNames(), []);
  });

  test('a bad volume name in -v fails the run with 125 and leaves nothing', () => {
    for (const spec of ['bad name:/x', 'x:/x', 'named-ok:relative']) {
      const r = e.berth(['run', '--rm', '-v', spec, '-v', 'made-first:/first', images.busybox, 'true']);
      assert.equal(r.code, 125, spec);
      assert.match(r.stderr, /mounts\[0\]\.(source|target)/, spec);
    }
    // A create failing after its volumes were made takes them back.
    const r = e.berth(['run', '--rm', '-v', 'made-first:/first', '-v', '/nonexistent-host-dir:/b', images.busybox, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /mounts\[1\]\.source: bind source path does not exist/);
    assert.deepEqual(volumeNames(), []);
    assert.deepEqual(e.berth(['ps', '-aq']).stdout, '');
    assert.deepEqual(leftovers(e), []);
    assert.deepEqual(existsSync(join(e.root, 'volumes')) ? readdirSync(join(e.root, 'volumes')) : [], []);
  });

  test('type=tmpfs: a tmpfs on _data while a container runs, gone after', () => {
    // One --opt each, as Docker's; or several in one, split before each of the driver's keys.
    let r = e.berth(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m,mode=0750', 'tmpv']);
    assert.equal(r.code, 0, r.stderr);
    r = e.berth(['volume', 'create', '--opt', 'type=tmpfs,device=tmpfs,o=size=1m,mode=0750', 'tmpv2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(e.berth(['volume', 'inspect', 'tmpv2']).stdout) as { Options: unknown }[])[0].Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0750' });
    assert.equal(e.berth(['volume', 'rm', 'tmpv2']).code, 0);
    const data = join(volDir('tmpv'), '_data');
    const [obj] = JSON.parse(e.berth(['volume', 'inspect', 'tmpv']).stdout) as { Options: Record<string, string> }[];
    assert.deepEqual(obj.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0750' });
    r = e.berth(['run', '-d', '--name', 'tmpuser', '-v', 'tmpv:/t', images.busybox, 'sh', '-c', 'echo in-tmpfs > /t/f; exec sleep 1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(mountPoints().includes(data), 'mounted on the host while running');
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === data)!;
    assert.match(line, / - tmpfs tmpfs .*size=1024k/);
    // The container sees the same filesystem the host mounted.
    for (let i = 0; i < 100 && !existsSync(join(data, 'f')); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    assert.equal(readFileSync(join(data, 'f'), 'utf8'), 'in-tmpfs\n');
    assert.equal(e.berth(['stop', '-t', '1', 'tmpuser']).code, 0);
    assert.ok(!mountPoints().includes(data), 'unmounted once no container runs on it');
    assert.ok(!existsSync(join(data, 'f')));
    // A mount left by a berth killed between mounting and starting: the next command's reconciliation takes it down.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data]);
    assert.ok(mountPoints().includes(data));
    assert.equal(e.berth(['ps']).code, 0);
    assert.ok(!mountPoints().includes(data), 'reconciliation unmounted the orphan');
    assert.equal(e.berth(['rm', 'tmpuser']).code, 0);
    assert.equal(e.berth(['volume', 'rm', 'tmpv']).code, 0);
  });

  test('type=none o=bind: a host directory, never removed through the volume', () => {
    const host = mkdtempSync(join(tmpdir(), 'berth-bindvol-'));
    try {
      writeFileSync(join(host, 'keep'), 'host file\n');
      let r = e.berth(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${host}`, 'bindv']);
      assert.equal(r.code, 0, r.stderr);
      r = e.berth(['run', '--name', 'binduser', '-v', 'bindv:/b', images.busybox, 'sh', '-c', 'test "$(cat /b/keep)" = "host file" && echo from-container > /b/new']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(host, 'new'), 'utf8'), 'from-container\n');
      assert.ok(!mountPoints().includes(join(volDir('bindv'), '_data')), 'unmounted after the exit');
      assert.equal(e.berth(['rm', 'binduser']).code, 0);
      assert.equal(e.berth(['volume', 'rm', 'bindv']).code, 0);
      assert.deepEqual(readdirSync(host).sort(), ['keep', 'new']);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  test('concurrent runs on one new named volume: one row, one copy-up, every run sees it', async () => {
    // Judged by exit status: each container checks the copy itself.
    const check = 'test "$(cat /data/seed.txt)" = "from the image" && test "$(ls /data | wc -l)" -eq 2';
    const runs = Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => {
      const child = spawn(BERTH, [...e.globalArgs, 'run', '--rm', '-v', 'shared:/data', withVol, 'sh', '-c', check], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('close', resolve);
    }));
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(volumeNames(), ['shared']);
    assert.deepEqual(readdirSync(join(volDir('shared'), '_data')).sort(), ['seed.txt', 'sub']);
    assert.equal(e.berth(['volume', 'rm', 'shared']).code, 0);
  });

  test('nothing is left under the run root', () => {
    assert.deepEqual(leftovers(e), []);
    assert.deepEqual(mountPoints().filter((m) => m.startsWith(`${e.root}/volumes`)), []);
  });
});
