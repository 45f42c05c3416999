// The engine end to end through the berth CLI: images from a local registry,
// containers run in the foreground and detached, logs that outlive the CLI,
// stop/rm, exit codes as Docker's, and bad input that leaves nothing behind.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BERTH, type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';
import { waitFor } from '../helpers/runts.ts';

let images: EngineImages;
let e: TestEngine;
let bb: string;

before(async () => {
  images = await startImages();
  bb = images.busybox;
  e = testEngine(images.registry.host);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

const names = () => e.berth(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);

describe('berth run', () => {
  it('pulls a missing image, runs it in the foreground and exits with its status; --rm leaves nothing', () => {
    const r = e.berth(['run', '--rm', bb, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /Unable to find image/);
    assert.match(r.stderr, /err\n/);
    assert.deepEqual(leftovers(e), []);
    assert.deepEqual(names(), []);
  });

  it('--rm in the foreground moves the files to the trash, and the monitor\'s exit command deletes them', async () => {
    const trash = join(e.root, 'trash');
    const retired = () => readdirSync(join(e.root, 'snapshots', 'overlay', 'tmp')).filter((n) => n.startsWith('0-rm-active-'));
    const r = e.berth(['run', '--rm', bb, 'sh', '-c', 'echo scratch > /scratch']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(leftovers(e), []);
    await waitFor(() => readdirSync(trash).length === 0 && retired().length === 0, 15_000);
    // The run's cgroup warmer (runts-monitor --warm) went with it: none outlives its CLI (other
    // test files' runs have warmers of their own, whose CLIs still run).
    const orphanWarmers = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const ppid = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1];
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[1] === '--warm' && ppid === '1';
      } catch {
        return false;
      }
    });
    await waitFor(() => orphanWarmers().length === 0, 5_000);
    // rm deletes at once, and sweeps what a foreground run left.
    const id = e.berth(['create', bb, 'true']).stdout.trim();
    e.berth(['rm', id]);
    assert.deepEqual(readdirSync(trash), []);
    assert.deepEqual(retired(), []);
    assert.deepEqual(leftovers(e), []);
  });

  it('takes the image config and the flags: env, workdir, user, hostname, entrypoint, binds and tmpfs', () => {
    const host = mkdtempSync(join(tmpdir(), 'berth-bind-'));
    writeFileSync(join(host, 'in'), 'from host\n');
    chmodSync(host, 0o755);
    try {
      const r = e.berth(['run', '--rm', '-e', 'A=1', '-e', 'B=two words', '-w', '/tmp', '-u', '1000:50', '--hostname', 'boat',
        '-v', `${host}:/mnt/h:ro`, '--tmpfs', '/scratch:size=1m', '--entrypoint', 'sh', bb,
        '-c', 'echo "$A|$B|$(pwd)|$(id -u):$(id -g)|$(hostname)"; cat /mnt/h/in; touch /mnt/h/x 2>/dev/null || echo ro; grep " /scratch " /proc/mounts']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], '1|two words|/tmp|1000:50|boat');
      assert.equal(lines[1], 'from host');
      assert.equal(lines[2], 'ro');
      assert.match(lines[3], /^tmpfs \/scratch tmpfs .*size=1024k/);
      assert.ok(!existsSync(join(host, 'x')));
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('detached: the ID at once, logs after the CLI is gone, stop with the stop signal, then rm', () => {
    const r = e.berth(['run', '-d', '--name', 'det', '--stop-signal', 'USR1', bb, 'sh', '-c', 'trap "echo got usr1; exit 7" USR1; echo up; while :; do sleep 0.1; done']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(e.berth(['ps', '--format', '{{.Names}} {{.State}}']).stdout, 'det running\n');
    for (let i = 0; i < 100 && !e.berth(['logs', 'det']).stdout.includes('up'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    assert.equal(e.berth(['logs', 'det']).stdout, 'up\n');
    const stop = e.berth(['stop', 'det']);
    assert.equal(stop.code, 0, stop.stderr);
    const inspect = JSON.parse(e.berth(['inspect', id.slice(0, 12)]).stdout)[0];
    assert.equal(inspect.State.Status, 'exited');
    assert.equal(inspect.State.ExitCode, 7);
    assert.equal(inspect.Name, '/det');
    assert.equal(e.berth(['logs', '-t', 'det']).stdout.split('\n').length, 3);
    assert.match(e.berth(['logs', 'det']).stdout, /up\ngot usr1\n/);
    assert.equal(e.berth(['wait', 'det']).stdout, '7\n');
    assert.equal(e.berth(['rm', 'det']).code, 0);
    assert.deepEqual(leftovers(e), []);
  });

  it('a running container is not removed without -f; kill and rm -f work', () => {
    const id = e.berth(['run', '-d', bb, 'sleep', '1000']).stdout.trim();
    const rm = e.berth(['rm', id]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /stop it before removing it/);
    assert.equal(e.berth(['kill', id]).code, 0);
    assert.equal(e.berth(['wait', id]).stdout, '137\n');
    const id2 = e.berth(['run', '-d', bb, 'sleep', '1000']).stdout.trim();
    assert.equal(e.berth(['rm', '-f', id, id2]).code, 0);
    assert.deepEqual(leftovers(e), []);
  });

  it('create then start -a; restart; the container keeps its filesystem between runs', () => {
    const id = e.berth(['create', '--name', 'keep', bb, 'sh', '-c', 'cat /state 2>/dev/null; echo run >> /state']).stdout.trim();
    assert.match(e.berth(['ps', '-a', '--format', '{{.Status}}']).stdout, /^Created/);
    assert.equal(e.berth(['start', '-a', 'keep']).stdout, '');
    assert.equal(e.berth(['start', '-a', 'keep']).stdout, 'run\n');
    assert.equal(e.berth(['rm', id]).code, 0);
  });
});

describe('--init and the monitors\' cgroup', () => {
  it('--init runs berth-init as pid 1 with the command its child, and passes its status on', () => {
    const r = e.berth(['run', '--rm', '--init', bb, 'sh', '-c', 'cat /proc/1/comm; echo $$; exit 4']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'berth-init\n2\n');
  });

  it('a detached container\'s monitor sits in /berth-monitors, its init in /berth/<id>', () => {
    const id = e.berth(['run', '-d', bb, 'sleep', '1000']).stdout.trim();
    try {
      const monitor = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('runts-monitor') && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(id);
        } catch {
          return false;
        }
      });
      assert.ok(monitor, 'the monitor runs');
      assert.match(readFileSync(`/proc/${monitor}/cgroup`, 'utf8'), /:pids:\/berth-monitors\n/);
      const pid = JSON.parse(e.berth(['inspect', id]).stdout)[0].State.Pid;
      assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:pids:/berth/${id}\n`));
    } finally {
      e.berth(['rm', '-f', id]);
    }
  });
});

describe('--runtime: an OCI runtime binary under the monitor', () => {
  it('runs a container with Debian\'s runc, foreground and detached, and cleans up after it', () => {
    const r = e.berth(['run', '--rm', '--runtime', 'runc', bb, 'sh', '-c', 'echo via runc; exit 4']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'via runc\n');
    const id = e.berth(['run', '-d', '--runtime', '/usr/sbin/runc', bb, 'sleep', '1000']).stdout.trim();
    assert.equal(JSON.parse(e.berth(['inspect', id]).stdout)[0].HostConfig.Runtime, '/usr/sbin/runc');
    assert.equal(e.berth(['ps', '--format', '{{.State}}']).stdout, 'running\n');
    assert.equal(e.berth(['stop', '-t', '0', id]).code, 0);
    assert.equal(e.berth(['wait', id]).stdout, '137\n');
    assert.equal(e.berth(['rm', id]).code, 0);
    assert.deepEqual(leftovers(e), []);
  });

  it('exec (pipes and a terminal), top, stats and health checks reach a container on runc', async () => {
    const id = e.berth(['run', '-d', '--runtime', 'runc', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '200ms', '--health-retries', '1', bb, 'sleep', '1000']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const health = () => JSON.parse(e.berth(['inspect', id]).stdout)[0].State.Health;
    await waitFor(() => health().Status === 'unhealthy', 20_000);
    let r = e.berth(['exec', '-e', 'N=6', id, 'sh', '-c', 'echo $((N*7)); echo to-err >&2; touch /tmp/ok; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '42\n');
    assert.equal(r.stderr, 'to-err\n');
    await waitFor(() => health().Status === 'healthy', 20_000);
    assert.equal(health().Log.at(-1).ExitCode, 0);
    r = e.berth(['exec', id, 'no-such-program']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /no-such-program.*not found/);
    r = e.berth(['exec', '-d', id, 'sleep', '999']);
    assert.equal(r.code, 0, r.stderr);
    const t = spawnSync('script', ['-qec', [BERTH, ...e.globalArgs, 'exec', '-t', id, 'sh', '-c', 'tty; echo $TERM'].join(' '), '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(t.status, 0, t.stdout);
    assert.match(t.stdout, /\/dev\/pts\/\d+\r*\nxterm\r*\n/);
    const top = e.berth(['top', id]);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /sleep 1000\n/);
    assert.match(top.stdout, /sleep 999\n/);
    // Read from the container's cgroups by runc (events --stats): both sleeps (and a health probe's
    // processes, when one is running), and the memory they use.
    const stats = e.berth(['stats', '--no-stream', '--format', '{{.PIDs}} {{.MemUsage}}', id]);
    assert.equal(stats.code, 0, stats.stderr);
    const m = /^(\d+) [1-9][\d.]*[KM]iB \/ /.exec(stats.stdout);
    assert.ok(m && Number(m[1]) >= 2, stats.stdout);
    // -d -t: runc sends the terminal to the monitor's console socket, which holds it.
    r = e.berth(['exec', '-d', '-t', id, 'sh', '-c', 'tty > /tmp/dt']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => /^\/dev\/pts\/\d+\n$/.test(e.berth(['exec', id, 'cat', '/tmp/dt']).stdout), 10_000);
    assert.equal(e.berth(['rm', '-f', id]).code, 0);
    assert.deepEqual(leftovers(e), []);
  });

  it('an unknown runtime is refused before anything is made', () => {
    const r = e.berth(['run', '--runtime', 'no-such-runtime', bb, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /--runtime: "no-such-runtime"/);
    assert.deepEqual(leftovers(e), []);
  });
});

describe('the compiled CLIs', () => {
  it('read no .env or bunfig.toml from the directory they are run in (as root: it may be anyone\'s)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-cwd-'));
    try {
      const canary = join(dir, 'preloaded');
      writeFileSync(join(dir, '.env'), ['RUNTS_HOST_ADDON', 'RUNTS_EXECUTOR', 'RUNTS_MONITOR', 'BERTH_CLI'].map((k) => `${k}=${dir}/evil\n`).join(''));
      writeFileSync(join(dir, 'evil.js'), `require('node:fs').writeFileSync(${JSON.stringify(canary)}, 'ran');\n`);
      writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./evil.js"]\n');
      const r = spawnSync(BERTH, [...e.globalArgs, 'run', '--rm', bb, 'sh', '-c', 'echo fine'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'fine\n');
      const spec = spawnSync(join(import.meta.dirname, '..', '..', 'build', 'runts'), ['spec', '--bundle', dir], { cwd: dir, encoding: 'utf8' });
      assert.equal(spec.status, 0, spec.stderr);
      assert.ok(!existsSync(canary), 'a bunfig.toml preload ran');
      assert.deepEqual(leftovers(e), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('berth fails as Docker does, leaving nothing behind', () => {
  const refused = (args: string[], code: number, what: RegExp) => {
    const before = leftovers(e);
    const r = e.berth(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, what);
    assert.deepEqual(leftovers(e), before);
    assert.deepEqual(names().filter((n) => n !== 'taken'), []);
  };

  it('125: unknown flag, unknown image, bad mount, missing bind source, bad restart policy, name conflict', () => {
    refused(['run', '--bogus', bb], 125, /bogus/);
    refused(['run', '--pull', 'never', `${images.registry.host}/test/none:latest`], 125, /no such image/);
    refused(['run', `${images.registry.host}/test/none:latest`], 125, /not found|unknown|404/i);
    refused(['run', '-v', '/a:b:c:d', bb], 125, /--volume/);
    refused(['run', '-v', '/no/such/dir:/x', bb, 'true'], 125, /mounts\[0\]\.source.*\/no\/such\/dir/);
    refused(['run', '--restart', 'sometimes', bb], 125, /--restart/);
    refused(['run', '--name', 'bad/name', bb], 125, /--name/);
    assert.equal(e.berth(['create', '--name', 'taken', bb]).code, 0);
    refused(['run', '--name', 'taken', bb, 'true'], 125, /already in use/);
    assert.equal(e.berth(['rm', 'taken']).code, 0);
  });

  it('126 when the command cannot be invoked, 127 when it is not found', () => {
    assert.equal(e.berth(['run', '--rm', bb, '/etc/passwd']).code, 126);
    assert.equal(e.berth(['run', '--rm', bb, 'no-such-command']).code, 127);
    assert.equal(e.berth(['run', bb, 'no-such-command']).code, 127);
    assert.deepEqual(leftovers(e), []);
    assert.deepEqual(names(), []);
  });

  it('commands on unknown containers exit 1 naming them', () => {
    for (const cmd of [['stop', 'ghost'], ['rm', 'ghost'], ['logs', 'ghost'], ['inspect', 'ghost']]) {
      const r = e.berth(cmd);
      assert.equal(r.code, 1, cmd.join(' '));
      assert.match(r.stderr, /ghost/);
    }
  });
});

describe('the store', () => {
  it('a database from this schema is readable by the next berth; the log lives with the container', () => {
    const id = e.berth(['run', '-d', bb, 'sh', '-c', 'echo kept']).stdout.trim();
    assert.equal(e.berth(['wait', id]).stdout, '0\n');
    const log = readFileSync(join(e.root, 'containers', id, 'container.log'), 'utf8');
    assert.match(log, /^\S+ stdout F kept\n$/);
    assert.equal(e.berth(['rm', id]).code, 0);
  });
});
