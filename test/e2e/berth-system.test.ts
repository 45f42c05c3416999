// berth rmi refusing an image in use, container prune, system df and system
// prune, on real containers from a local registry.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let other: string;

before(async () => {
  images = await startImages([{ repo: 'test/other', layers: [], config: { Cmd: ['sh'] } }]);
  other = `${images.registry.host}/test/other:latest`;
  e = testEngine(images.registry.host);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

const idOf = (name: string) => e.berth(['inspect', '--format', '{{.Id}}', name]).stdout.trim();

test('rmi refuses an image a container uses; -f still refuses a running container\'s', () => {
  let r = e.berth(['run', '--name', 'stopped1', images.busybox, 'true']);
  assert.equal(r.code, 0, r.stderr);
  const stopped = idOf('stopped1').slice(0, 12);
  r = e.berth(['rmi', images.busybox]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^berth: conflict: unable to remove repository reference "${images.busybox}" \\(must force\\) - container ${stopped} is using its referenced image [0-9a-f]{12}\\n$`));
  // Another name for the same image is only a tag: it goes.
  assert.equal(e.berth(['tag', images.busybox, 'localhost/alias:1']).code, 0);
  r = e.berth(['rmi', 'localhost/alias:1']);
  assert.equal(r.code, 0, r.stderr);
  r = e.berth(['run', '-d', '--name', 'running1', images.busybox, 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const running = idOf('running1').slice(0, 12);
  for (const args of [['rmi', images.busybox], ['rmi', '-f', images.busybox]]) {
    r = e.berth(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, new RegExp(`^berth: conflict: unable to delete [0-9a-f]{12} \\(cannot be forced\\) - image is being used by running container ${running}\\n$`));
  }
  assert.equal(e.berth(['rm', '-f', 'running1']).code, 0);
  // Stopped containers only: -f removes the name; the container keeps its root filesystem and runs again.
  r = e.berth(['rmi', '-f', images.busybox]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Untagged: ${images.busybox}\n`);
  r = e.berth(['start', '-a', 'stopped1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(e.berth(['rm', 'stopped1']).code, 0);
});

test('container prune removes what is not running, after asking', () => {
  for (const args of [['run', '--name', 'exited1', other, 'sh', '-c', 'head -c 200000 /dev/zero > /big'], ['create', '--name', 'created1', other], ['run', '-d', '--name', 'up1', other, 'sleep', '1000']]) {
    const r = e.berth(args);
    assert.equal(r.code, 0, r.stderr);
  }
  const gone = [idOf('exited1'), idOf('created1')];
  let r = e.berth(['container', 'prune']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
  assert.equal(e.berth(['ps', '-aq']).stdout.split('\n').filter(Boolean).length, 3);
  r = e.berth(['container', 'prune', '-f']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^Deleted Containers:\n([0-9a-f\n]+)\nTotal reclaimed space: (\S+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.deepEqual(m[1].split('\n').filter(Boolean).sort(), gone.sort());
  assert.match(m[2], /^2\d\d(\.\d+)?kB$/, 'the exited container\'s 200 kB');
  assert.deepEqual(e.berth(['ps', '-aq', '--no-trunc']).stdout, `${idOf('up1')}\n`);
});

test('system df: images, containers, local volumes, build cache', () => {
  assert.equal(e.berth(['volume', 'create', 'idle']).code, 0);
  assert.equal(e.berth(['run', '--name', 'writer', '-v', 'used:/u', other, 'sh', '-c', 'head -c 3000 /dev/zero > /u/f']).code, 0);
  const r = e.berth(['system', 'df']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s{2,}/));
  assert.deepEqual(lines[0], ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE']);
  const byType = Object.fromEntries(lines.slice(1).map((l) => [l[0], l.slice(1)]));
  assert.deepEqual(Object.keys(byType), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);
  assert.deepEqual(byType.Images.slice(0, 2), ['1', '1']);
  assert.deepEqual(byType.Containers.slice(0, 2), ['2', '1']);
  assert.deepEqual(byType['Local Volumes'], ['2', '1', '3kB', '0B (0%)']);
  assert.deepEqual(byType['Build Cache'], ['0', '0', '0B', '0B']);
  const json = e.berth(['system', 'df', '--format', '{{.Type}}={{.TotalCount}}']);
  assert.equal(json.stdout, 'Images=1\nContainers=2\nLocal Volumes=2\nBuild Cache=0\n');
});

test('system prune: stopped containers, with --volumes anonymous volumes, with -a unused images', () => {
  assert.equal(e.berth(['run', '--name', 'anonuser', '-v', '/anon', other, 'true']).code, 0);
  const anon = e.berth(['volume', 'ls', '-q']).stdout.split('\n').filter((n) => /^[0-9a-f]{64}$/.test(n));
  assert.equal(anon.length, 1);
  let r = e.berth(['system', 'prune', '--volumes']);
  assert.match(r.stdout, /^WARNING! This will remove:\n {2}- all stopped containers\n {2}- all anonymous volumes not used by at least one container\n {2}- all dangling images\n\nAre you sure/);
  r = e.berth(['system', 'prune', '-f', '--volumes', '-a']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Deleted Containers:\\n([0-9a-f]{64}\\n){2}\\nDeleted Volumes:\\n${anon[0]}\\n\\nTotal reclaimed space: \\S+\\n$`));
  // The running container's image stays; named volumes stay (Docker's --volumes takes anonymous ones only).
  assert.deepEqual(e.berth(['volume', 'ls', '-q']).stdout.split('\n').filter(Boolean).sort(), ['idle', 'used']);
  assert.equal(e.berth(['ps', '-aq']).stdout.split('\n').filter(Boolean).length, 1);
  assert.equal(e.berth(['rm', '-f', 'up1']).code, 0);
  r = e.berth(['system', 'prune', '-f', '-a']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Deleted Images:\\nuntagged: ${other}\\n`));
  assert.equal(e.berth(['images', '-q']).stdout, '');
  assert.deepEqual(leftovers(e), []);
});
