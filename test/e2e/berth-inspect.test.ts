// pause/unpause (the row and the cgroup freezer), top, stats, rename, port
// and events, through the CLI and the library.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Berth } from '../../src/engine/berth.ts';
import { BERTH, berthOk, engineHooks, type EngineImages, type TestEngine } from '../helpers/engine.ts';
import { waitFor } from '../helpers/runts.ts';

let images: EngineImages;
let e: TestEngine;
let lib: Berth;
engineHooks((f) => ({ images, e, lib } = f), [], true);

const ok = (args: string[]) => berthOk(e, args);

const psField = (name: string, field: string) => ok(['ps', '-a', '--filter', `name=${name}`, '--format', `{{.${field}}}`]).trim();

/** A second from now, as --until takes a Unix time. */
const soon = () => (Date.now() / 1000 + 1).toFixed(3);

/** Whether the cgroup freezer holds pid: v1's freezer.state, or v2's cgroup.freeze. */
function frozen(pid: number): boolean {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:([^:]*,)?freezer(,[^:]*)?:/.test(l));
  if (v1) return readFileSync(`/sys/fs/cgroup/freezer${v1.split(':')[2]}/freezer.state`, 'utf8').trim() === 'FROZEN';
  const v2 = lines.find((l) => l.startsWith('0::'))!.slice(3);
  const file = `/sys/fs/cgroup${v2}/cgroup.freeze`;
  assert.ok(existsSync(file), `no freezer for ${pid}`);
  return readFileSync(file, 'utf8').trim() === '1';
}

describe('pause and unpause', () => {
  it('freeze every process (the cgroup freezer), show Paused, and thaw them', async () => {
    ok(['run', '-d', '--name', 'frozen', images.busybox, 'sh', '-c', 'while :; do date +%s%N > /tmp/now; sleep 0.05; done']);
    const pid = (JSON.parse(ok(['inspect', 'frozen'])) as { State: { Pid: number } }[])[0].State.Pid;
    assert.equal(ok(['pause', 'frozen']), 'frozen\n');
    assert.equal(psField('frozen', 'State'), 'paused');
    assert.match(psField('frozen', 'Status'), /\(Paused\)$/);
    assert.equal(frozen(pid), true);
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /State:\s+[DS]/);
    const ex = e.berth(['exec', 'frozen', 'true']);
    assert.equal(ex.code, 1);
    assert.match(ex.stderr, /container frozen is paused: unpause it before exec/);
    assert.match(e.berth(['pause', 'frozen']).stderr, /already paused/);
    assert.equal(ok(['unpause', 'frozen']), 'frozen\n');
    assert.equal(psField('frozen', 'State'), 'running');
    assert.equal(frozen(pid), false);
    assert.match(e.berth(['unpause', 'frozen']).stderr, /container frozen is not paused/);
    // A paused container still stops: the signal, then a thaw, as Docker does.
    ok(['pause', 'frozen']);
    ok(['stop', '-t', '1', 'frozen']);
    assert.equal(psField('frozen', 'State'), 'exited');
    const events = ok(['events', '--since', '0', '--until', soon(), '--filter', 'container=frozen', '--format', '{{.Action}}']);
    assert.match(events, /pause\nunpause\npause\n/);
  });
});

describe('top', () => {
  it('lists the container\'s processes with ps(1)\'s columns, ps options passed on', () => {
    ok(['run', '-d', '--name', 'topped', images.busybox, 'sh', '-c', 'sleep 601 & sleep 602; echo done']);
    let out = '';
    for (let i = 0; i < 100 && !/sleep 601[\s\S]*sleep 602|sleep 602[\s\S]*sleep 601/.test(out); i++) out = ok(['top', 'topped']);
    assert.match(out.split('\n')[0], /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.match(out, /sh -c sleep 601 & sleep 602; echo done/);
    assert.equal(out.trim().split('\n').length, 4, out);
    const custom = ok(['top', 'topped', '-o', 'pid,comm']);
    assert.match(custom, /^PID\s+COMMAND\n/);
    assert.equal(custom.trim().split('\n').filter((l) => / sleep$/.test(l)).length, 2, custom);
    assert.match(e.berth(['top', 'topped', '--no-such-ps-flag']).stderr, /ps options: ps --no-such-ps-flag exited/);
  });

  it('the library gives titles and cells, the command whole', async () => {
    const top = await lib.top('topped');
    assert.equal(top.titles.at(-1), 'CMD');
    assert.ok(top.processes.some((p) => p.at(-1) === 'sh -c sleep 601 & sleep 602; echo done'), JSON.stringify(top.processes));
    ok(['rm', '-f', 'topped']);
    assert.match(e.berth(['top', 'topped']).stderr, /no such container: topped/);
  });
});

describe('stats', () => {
  it('reports CPU, memory and pids that move as the container works', async () => {
    const id = ok(['run', '-d', '--name', 'busy', images.busybox, 'sh', '-c', 'while :; do :; done']).trim();
    const rounds = [];
    for await (const round of lib.stats([id], { stream: true, intervalMs: 300 })) {
      rounds.push(round[0]);
      if (rounds.length === 2) break;
    }
    for (const s of rounds) {
      assert.equal(s.name, 'busy');
      assert.ok(s.cpuPercent > 1, `cpu ${s.cpuPercent}%`);
      assert.ok(s.memoryUsage > 0 && s.memoryLimit >= s.memoryUsage, `${s.memoryUsage} / ${s.memoryLimit}`);
      assert.equal(s.pids, 1);
    }
    assert.ok(rounds[1].raw!.cpu.usage.total! > rounds[0].raw!.cpu.usage.total!, 'the CPU time moved between rounds');
    ok(['exec', '-d', 'busy', 'sleep', '600']);
    const once = ok(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.PIDs}} {{.MemUsage}} {{.BlockIO}}', 'busy']);
    assert.match(once, /^busy (\d+\.\d\d)% 2 [\d.]+[KMG]?i?B \/ [\d.]+[KMGT]i?B [\d.]+[kMG]?B \/ [\d.]+[kMG]?B\n$/);
    assert.ok(Number(/ (\d+\.\d\d)%/.exec(once)![1]) > 1, once);
    const table = ok(['stats', '--no-stream']);
    assert.match(table, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n/);
    assert.match(table, /\nbusy|\s+busy\s+/);
    ok(['rm', '-f', 'busy']);
  });

  it('shows a stopped container with -a, in zeros', () => {
    ok(['create', '--name', 'still', images.busybox, 'true']);
    const out = ok(['stats', '--no-stream', '-a', '--format', '{{.Name}} {{.CPUPerc}} {{.PIDs}}']);
    assert.match(out, /^still 0\.00% 0$/m);
    ok(['rm', 'still']);
  });
});

describe('rename and port', () => {
  it('rename moves the name, refuses one in use or invalid', () => {
    ok(['create', '--name', 'old-name', images.busybox, 'true']);
    ok(['create', '--name', 'other', images.busybox, 'true']);
    ok(['rename', 'old-name', 'new-name']);
    assert.equal(psField('new-name', 'Names'), 'new-name');
    assert.match(e.berth(['rename', 'old-name', 'x']).stderr, /no such container: old-name/);
    assert.equal((JSON.parse(ok(['inspect', 'new-name'])) as { Name: string }[])[0].Name, '/new-name');
    const taken = e.berth(['rename', 'new-name', 'other']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /the container name "\/other" is already in use/);
    assert.match(e.berth(['rename', 'new-name', 'bad name!']).stderr, /NEW_NAME: "bad name!" is not a valid container name/);
    assert.match(ok(['events', '--since', '0', '--until', soon(), '--filter', 'event=rename']), /container rename [0-9a-f]{64} \(name=new-name, oldName=old-name\)/);
    ok(['rm', 'new-name', 'other']);
  });

  it('port lists nothing, and a private port asked for is not published', () => {
    ok(['create', '--name', 'ported', images.busybox, 'true']);
    assert.equal(ok(['port', 'ported']), '');
    const r = e.berth(['port', 'ported', '80']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no public port '80\/tcp' published for ported/);
    assert.match(e.berth(['port', 'ported', '53/udp']).stderr, /'53\/udp'/);
    assert.match(e.berth(['port', 'ported', 'http']).stderr, /PRIVATE_PORT: "http" is not PORT/);
    ok(['rm', 'ported']);
  });
});

describe('events', () => {
  it('lists create, start, die and destroy, filtered and formatted', () => {
    const since = (Date.now() / 1000).toFixed(3);
    assert.equal(e.berth(['run', '--rm', '--name', 'brief', images.busybox, 'sh', '-c', 'exit 3']).code, 3);
    const until = soon();
    const all = ok(['events', '--since', since, '--until', until, '--filter', 'container=brief']);
    const actions = all.trim().split('\n').map((l) => l.split(' ')[2]);
    assert.deepEqual(actions, ['create', 'start', 'die', 'destroy'], all);
    assert.match(all, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container create [0-9a-f]{64} \(image=\S+busybox:latest, name=brief\)$/m);
    assert.match(ok(['events', '--since', since, '--until', until, '--filter', 'event=die', '--filter', 'container=brief']), /container die [0-9a-f]{64} \(exitCode=3, image=\S+, name=brief\)\n$/);
    const json = ok(['events', '--since', since, '--until', until, '--filter', 'type=container', '--filter', 'event=start', '--format', 'json']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(json.some((m) => m.Type === 'container' && m.Action === 'start' && (m.Actor as { Attributes: Record<string, string> }).Attributes.name === 'brief'));
    assert.match(e.berth(['events', '--filter', 'colour=red']).stderr, /filters: "colour" is not a filter berth knows/);
    assert.match(e.berth(['events', '--since', 'soon']).stderr, /since: "soon" is not a time/);
  });

  it('follows new events until SIGINT', async () => {
    const since = (Date.now() / 1000).toFixed(3);
    const child = spawn(BERTH, [...e.globalArgs, 'events', '--since', since, '--filter', 'container=followed'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    ok(['run', '--rm', '--name', 'followed', images.busybox, 'true']);
    await waitFor(() => /destroy/.test(out), 20_000);
    child.kill('SIGINT');
    assert.equal(await code, 0);
    assert.match(out, /container create [0-9a-f]{64}.*name=followed[\s\S]*container start[\s\S]*container die[\s\S]*container destroy/);
  });
});
