// `run --init`: native/init as pid 1 of real containers (runts bundles), the
// command its child: orphans reaped, signals forwarded from the host and from
// inside the container, the command's exit status passed on.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { INIT_PATH, initArgs, initBinary, initMount } from '../../src/engine/init.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { attach } from '../../src/runtime/attach.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { Runts, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
const root = mkdtempSync(join(tmpdir(), 'runts-init-'));
const work = mkdtempSync(join(tmpdir(), 'runts-init-mon-'));
const rt = new Runtime({ root });
after(async () => {
  runts.cleanup();
  for (const id of rt.store.ids()) await rt.delete(id, true).catch(() => {});
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function initBundle(args: string[], edit?: (spec: Spec) => void): Bundle {
  return makeBundle((spec) => {
    edit?.(spec);
    spec.root!.readonly = false;
    spec.mounts!.push(initMount());
    spec.process!.args = initArgs(args);
  });
}

function runInit(args: string[]) {
  const b = initBundle(args);
  try {
    return runts.run(['run', '--bundle', b.dir, uniqueId('init')]);
  } finally {
    b.cleanup();
  }
}

describe('berth-init', () => {
  it('is mounted read-only at /sbin/berth-init and wraps the command', () => {
    assert.ok(existsSync(initBinary()));
    assert.deepEqual(initArgs(['-x', 'y']), [INIT_PATH, '--', '-x', 'y']);
    const m = initMount('/b/berth-init');
    assert.deepEqual(m, { destination: '/sbin/berth-init', type: 'bind', source: '/b/berth-init', options: ['bind', 'ro', 'nosuid', 'nodev'] });
    const r = runInit(['sh', '-c', 'echo $$ $PPID; cat /proc/1/cmdline; echo; touch /sbin/berth-init 2>/dev/null || echo refused']);
    assert.equal(r.code, 0, r.stderr);
    const [ids, cmdline, refused] = r.stdout.split('\n');
    // The command is the init's child, not pid 1.
    assert.equal(ids, '2 1');
    assert.match(cmdline.replaceAll('\0', ' '), /^\/sbin\/berth-init -- sh -c /);
    assert.equal(refused, 'refused');
  });

  it('passes on the exit code, 128+signal, 127 for a missing command and 126 for one that cannot run', () => {
    assert.equal(runInit(['sh', '-c', 'exit 3']).code, 3);
    assert.equal(runInit(['true']).code, 0);
    assert.equal(runInit(['sh', '-c', 'kill -USR1 $$']).code, 128 + 10);
    assert.equal(runInit(['sh', '-c', 'kill -KILL $$']).code, 128 + 9);
    const missing = runInit(['no-such-command', 'arg']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /berth-init: cannot run no-such-command: No such file or directory/);
    const b = initBundle(['/bin/not-executable']);
    writeFileSync(join(b.rootfs, 'bin', 'not-executable'), 'echo no\n', { mode: 0o644 });
    const r = runts.run(['run', '--bundle', b.dir, uniqueId('init')]);
    b.cleanup();
    assert.equal(r.code, 126);
    assert.match(r.stderr, /cannot run \/bin\/not-executable: Permission denied/);
  });

  it('reaps the orphans re-parented to it', async () => {
    // Each subshell leaves a sleep behind, whose parent becomes pid 1; the
    // command then becomes a program that reaps nothing. The sleeps, killed
    // from an exec, are left for pid 1 to collect: /proc/<pid> stays while one is a zombie.
    const b = initBundle(['sh', '-c', 'for i in 1 2 3; do (sleep 1000 & echo $! > /tmp/o$i); done; echo > /tmp/ready; exec sleep 1000']);
    const id = uniqueId('init');
    const done = runts.runAsync(['run', '--bundle', b.dir, id]);
    await waitFor(() => existsSync(join(b.rootfs, 'tmp', 'ready')), 30_000);
    const check = [
      'for i in 1 2 3; do p=$(cat /tmp/o$i); grep "^PPid:" /proc/$p/status; kill $p; done',
      'for i in 1 2 3; do p=$(cat /tmp/o$i); n=0',
      '  while [ -e /proc/$p ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done',
      '  if [ -e /proc/$p ]; then echo "left $p $(grep ^State: /proc/$p/status)"; else echo reaped; fi',
      'done',
      'echo zombies: $(grep -l "^State:.*Z" /proc/[0-9]*/status)',
    ].join('\n');
    const r = runts.run(['exec', id, 'sh', '-c', check]);
    runts.ok(['kill', id, 'KILL']);
    assert.equal((await done).code, 137);
    b.cleanup();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['PPid:\t1', 'PPid:\t1', 'PPid:\t1', 'reaped', 'reaped', 'reaped', 'zombies:']);
  });

  for (const [from, signal, name] of [['the host', 'TERM', 'SIGTERM'], ['inside the container', 'HUP', 'SIGHUP']] as const) {
    it(`forwards ${name} sent to pid 1 from ${from} to the command`, async () => {
      const script = `trap 'echo ${signal} > /tmp/got; exit 7' ${signal}; echo > /tmp/ready; sleep 1000 & wait`;
      const b = initBundle(['sh', '-c', script]);
      const id = uniqueId('init');
      const done = runts.runAsync(['run', '--bundle', b.dir, id]);
      await waitFor(() => existsSync(join(b.rootfs, 'tmp', 'ready')), 30_000);
      if (from === 'the host') runts.ok(['kill', id, signal]);
      else {
        // The exec'd shell may be killed with the rest of the pid namespace once pid 1 has exited.
        const k = runts.run(['exec', id, 'sh', '-c', `kill -${signal} 1`]);
        assert.ok(k.code === 0 || k.code === 137, `exec kill: ${k.code} ${k.stderr}`);
      }
      const r = await done;
      assert.equal(r.code, 7, r.stderr);
      assert.equal(readFileSync(join(b.rootfs, 'tmp', 'got'), 'utf8'), `${signal}\n`);
      b.cleanup();
    });
  }

  it('on a terminal, makes the command the foreground group: ^C reaches it from the terminal', async () => {
    // Fields 5 and 8 of /proc/<pid>/stat: the process group and the terminal's foreground group.
    const script = 'trap "echo INT; exit 5" INT; set -- $(cat /proc/$$/stat); echo "pid $$ pgrp $5 fg $8"; sleep 100 & wait';
    const b = initBundle(['sh', '-c', script], (spec) => (spec.process!.terminal = true));
    const id = uniqueId('init');
    const c = await rt.run(id, { bundle: b.dir, monitor: { dir: join(work, id), stdin: true } });
    let out = '';
    const a = await attach(c.monitor!.dir, (_, data) => (out += data.toString()));
    await waitFor(() => out.includes('fg') || (existsSync(c.monitor!.logPath) && readFileSync(c.monitor!.logPath, 'utf8').includes(' fg ')), 30_000);
    a.write('\x03');
    const exit = await a.exit;
    const text = out + readFileSync(c.monitor!.logPath, 'utf8');
    assert.match(text, /pid 2 pgrp 2 fg 2/);
    assert.match(text, /INT/);
    assert.equal(exit?.status, 5);
    await rt.delete(id);
    b.cleanup();
  });
});
