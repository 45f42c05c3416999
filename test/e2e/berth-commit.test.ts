// berth diff, export and commit on a container's writable snapshot: the
// changes listed, the tree as a tar, and a committed image that runs with
// the change (and the container's own config).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EngineImages, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let work: string;

before(async () => {
  images = await startImages();
  e = testEngine(images.registry.host);
  work = mkdtempSync(join(tmpdir(), 'berth-commit-'));
  ok(['run', '-d', '--name', 'box', '-e', 'MOOD=changed', images.busybox, 'sleep', '600']);
  ok(['exec', 'box', 'sh', '-c', 'echo added > /added && echo "extra:x:2000:2000::/:/bin/sh" >> /etc/passwd && rmdir /home/app']);
});

after(async () => {
  e?.cleanup();
  await images?.stop();
  rmSync(work, { recursive: true, force: true });
});

function ok(args: string[]): string {
  const r = e.berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('berth diff', () => {
  it('lists what the container added, changed and deleted', () => {
    const lines = ok(['diff', 'box']).trim().split('\n');
    for (const l of ['A /added', 'C /etc', 'C /etc/passwd', 'C /home', 'D /home/app']) assert.ok(lines.includes(l), `${l} in ${lines.join(', ')}`);
    assert.match(e.berth(['diff', 'nosuch']).stderr, /no such container: nosuch/);
  });
});

describe('berth export', () => {
  it('writes the container\'s filesystem as a tar, to a file or stdout', () => {
    const file = join(work, 'box.tar');
    ok(['export', '-o', file, 'box']);
    const names = execFileSync('tar', ['tf', file], { encoding: 'utf8' }).split('\n').map((n) => n.replace(/^\.\//, ''));
    assert.ok(names.includes('added') && names.includes('bin/busybox') && names.includes('etc/passwd'), names.slice(0, 20).join(' '));
    assert.ok(!names.includes('home/app/'), 'the deleted directory is not there');
    assert.equal(execFileSync('tar', ['xOf', file, names.includes('added') ? 'added' : './added'], { encoding: 'utf8' }), 'added\n');
    assert.match(ok(['export', 'box']).slice(0, 1024), /added|bin/);
  });
});

describe('berth commit', () => {
  it('makes an image that runs with the change and the container\'s config, the container left running', () => {
    const id = ok(['commit', '-m', 'the change', '-a', 'tester', '-c', 'ENV EXTRA=yes', 'box', 'test/committed:1']).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(['ps', '--filter', 'name=box', '--format', '{{.State}}']).trim(), 'running');
    const out = ok(['run', '--rm', 'test/committed:1', 'sh', '-c', 'cat /added; grep -c ^extra: /etc/passwd; test -d /home/app || echo gone; echo $MOOD $EXTRA']);
    assert.equal(out, 'added\n1\ngone\nchanged yes\n');
    // The container's command is the new image's, and the history entry says what made it.
    const cmd = JSON.parse(ok(['image', 'inspect', 'test/committed:1'])) as { Config?: { Cmd?: string[] } }[];
    assert.deepEqual(cmd[0].Config?.Cmd, ['sleep', '600']);
    assert.match(ok(['history', '--no-trunc', 'test/committed:1']).split('\n')[1], /sleep 600 .*the change/);
  });

  it('without a name, the image is known by its ID', () => {
    const id = ok(['commit', 'box']).trim();
    assert.equal(ok(['run', '--rm', id, 'cat', '/added']), 'added\n');
  });
});
