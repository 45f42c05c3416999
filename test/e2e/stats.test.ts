// Observing containers on this hybrid host (v1 controllers, cgroup2 beside
// them): `events --stats` against the cgroup files read directly, the
// library's stats and event stream, OOMs reported as they happen, the stream
// ending with the container, and `ps` with ps(1)'s options.
// test/helpers/guest/stats.ts asks the same on pure v2.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, Runts, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  runts.cleanup();
});

const v1 = (controller: string) => hostHierarchies().find((h) => h.version === 1 && h.controllers.includes(controller));
const noV1 = v1('memory') && v1('cpuacct') && v1('pids') ? false : 'this host has no v1 memory, cpuacct and pids controllers (the v2 guest checks v2)';

/** The container's directory in the v1 hierarchy of a controller (runts places it at /runts/<id>). */
const cg = (controller: string, id: string) => join(v1(controller)!.mountPoint, 'runts', id);
const num = (path: string) => BigInt(readFileSync(path, 'utf8').trim());
const MiB = 1n << 20n;

/** A detached busybox container running args, with dd in its image for the memory checks. */
function started(args: string[], memoryLimit?: bigint): { id: string; rootfs: string } {
  const b = makeBundle((s) => {
    if (memoryLimit) s.linux!.resources = { ...s.linux!.resources, memory: { limit: Number(memoryLimit) } };
  }, args);
  symlinkSync('busybox', join(b.rootfs, 'bin', 'dd'));
  const id = uniqueId('stats');
  runts.ok(['run', '--detach', '--bundle', b.dir, id]);
  after(() => b.cleanup());
  return { id, rootfs: b.rootfs };
}

/** `events --stats` as the JSON it prints, numbers as bigints (uint64 digits are exact). */
function statsOf(id: string) {
  const out = runts.ok(['events', '--stats', id]);
  const event = JSON.parse(out, (_k, v, ctx?: { source?: string }) => (typeof v === 'number' && ctx?.source && /^\d+$/.test(ctx.source) ? BigInt(ctx.source) : v));
  assert.equal(event.type, 'stats');
  assert.equal(event.id, id);
  return event.data;
}

/** runts events streaming into a list of parsed lines. */
function stream(args: string[]): { lines: { type: string; id: string; data?: unknown }[]; exit: Promise<number>; stderr: () => string } {
  const child = spawn(RUNTS, runts.args(['events', ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: { type: string; id: string }[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return { lines, exit, stderr: () => err };
}

describe('events --stats and the cgroup files', { skip: noV1 }, () => {
  it('prints what the cgroup files hold: cpu, memory, pids, cpuset', () => {
    const { id } = started(['sleep', '600']);
    const before = num(join(cg('cpuacct', id), 'cpuacct.usage'));
    const s = statsOf(id);
    const afterUsage = num(join(cg('cpuacct', id), 'cpuacct.usage'));
    assert.ok(s.cpu.usage.total >= before && s.cpu.usage.total <= afterUsage, `${s.cpu.usage.total} outside [${before}, ${afterUsage}]`);
    const mem = cg('memory', id);
    assert.equal(s.memory.usage.limit, num(join(mem, 'memory.limit_in_bytes')));
    assert.equal(s.memory.swap.limit, num(join(mem, 'memory.memsw.limit_in_bytes')));
    assert.equal(s.memory.usage.max ?? 0n, num(join(mem, 'memory.max_usage_in_bytes')));
    assert.equal(s.memory.raw.total_rss, BigInt(/^total_rss (\d+)$/m.exec(readFileSync(join(mem, 'memory.stat'), 'utf8'))![1]));
    assert.equal(s.pids.current, num(join(cg('pids', id), 'pids.current')));
    assert.equal(s.pids.limit, undefined, 'no pids limit is reported as runc reports it: left out');
    const cpus = readFileSync(join(cg('cpuset', id), 'cpuset.cpus'), 'utf8').trim();
    assert.equal(s.cpuset.cpus.join(','), cpus.includes('-') ? Array.from({ length: Number(cpus.split('-')[1]) - Number(cpus.split('-')[0]) + 1 }, (_, i) => Number(cpus.split('-')[0]) + i).join(',') : cpus);
    // Its own network namespace has only the loopback, which runc never lists.
    assert.deepEqual(s.network_interfaces, []);
    // No rdma or misc controller on this host.
    assert.ok(!('rdma' in s) && !('misc' in s));
  });

  const unified = hostHierarchies().find((h) => h.version === 2);
  it('pressure comes from the container\'s cgroup on the cgroup2 mount: psi in cpu, memory and blkio', { skip: unified && readFileSync('/proc/pressure/cpu', 'utf8') ? false : 'no cgroup2 mount or no PSI' }, () => {
    const { id } = started(['sleep', '600']);
    const pressure = join(unified!.mountPoint, 'runts', id, 'cpu.pressure');
    const total = () => BigInt(/^some .* total=(\d+)$/m.exec(readFileSync(pressure, 'utf8'))![1]);
    // Two busy shells at once on as many cpus as the container may use keep each other waiting now and then.
    runts.ok(['exec', id, 'sh', '-c', 'n=$(grep -c ^processor /proc/cpuinfo); for j in $(seq 0 $n); do (i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done) & done; wait']);
    const before = total();
    const s = statsOf(id);
    const after = total();
    assert.ok(s.cpu.psi && 'psi' in s.memory && 'psi' in s.blkio, Object.keys(s.cpu).join());
    assert.ok((s.cpu.psi.some?.total ?? 0n) >= before && (s.cpu.psi.some?.total ?? 0n) <= after, `${s.cpu.psi.some?.total} outside [${before}, ${after}]`);
  });

  it('cpu usage grows by what a busy loop spends; throttling stays zero without a quota', () => {
    const { id } = started(['sleep', '600']);
    const before = statsOf(id).cpu.usage.total ?? 0n;
    runts.ok(['exec', id, 'sh', '-c', 'i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done']);
    const s = statsOf(id);
    assert.ok(s.cpu.usage.total - before >= 50_000_000n, `a 50000-round shell loop took ${s.cpu.usage.total - before} ns of cpu`);
    assert.equal(s.cpu.usage.total, num(join(cg('cpuacct', id), 'cpuacct.usage')));
    assert.equal(s.cpu.usage.percpu.reduce((a: bigint, b: bigint) => a + b, 0n), s.cpu.usage.total);
    assert.deepEqual(s.cpu.throttling, {});
  });

  it('memory usage is near what a process holds; pids current is the processes running', async () => {
    const { id } = started(['sleep', '600']);
    const mem = cg('memory', id);
    const base = num(join(mem, 'memory.usage_in_bytes'));
    // dd fills a 16 MiB buffer, then blocks writing it to a pipe nobody reads.
    runts.ok(['exec', '--detach', id, 'sh', '-c', 'dd if=/dev/zero bs=16M count=1 | sleep 600']);
    await waitFor(() => num(join(mem, 'memory.usage_in_bytes')) >= base + 16n * MiB, 10_000);
    const s = statsOf(id);
    assert.ok(s.memory.usage.usage >= base + 16n * MiB && s.memory.usage.usage < base + 24n * MiB, `usage ${s.memory.usage.usage} for 16 MiB held over ${base}`);
    const pids = JSON.parse(runts.ok(['ps', '--format', 'json', id]));
    // sleep (the init), sh, dd and the second sleep.
    assert.equal(pids.length, 4);
    assert.equal(s.pids.current, 4n);
  });

  it('the library reads what the CLI prints', () => {
    const { id } = started(['sleep', '600']);
    const rt = new Runtime({ root: runts.root });
    const lib = rt.stats(id);
    const cli = statsOf(id);
    assert.equal(lib.pids.current, cli.pids.current);
    assert.equal(lib.memory.usage.limit, cli.memory.usage.limit);
    assert.deepEqual(lib.cpuset.cpus, cli.cpuset.cpus.map(Number));
    assert.equal(lib.network_interfaces?.length, cli.network_interfaces.length);
  });
});

describe('events: the stream', { skip: noV1 }, () => {
  it('reports an oom when a hog is OOM-killed, and stats every interval', async () => {
    const { id } = started(['sleep', '600'], 24n * MiB);
    assert.equal(statsOf(id).memory.usage.limit, 24n * MiB);
    const ev = stream(['--interval', '200ms', id]);
    await waitFor(() => ev.lines.some((l) => l.type === 'stats'), 10_000);
    const hog = runts.run(['exec', id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    assert.equal(hog.code, 137, `the hog was not OOM-killed: ${hog.stderr}`);
    await waitFor(() => ev.lines.some((l) => l.type === 'oom'), 10_000);
    assert.deepEqual(ev.lines.filter((l) => l.type === 'oom'), [{ type: 'oom', id }]);
    assert.ok(ev.lines.every((l) => l.id === id));
    runts.ok(['kill', id, 'KILL']);
    assert.equal(await ev.exit, 0, ev.stderr());
  });

  it('an OOM that kills the init is reported, then the stream ends with the container (exit 0)', async () => {
    // The init waits for /go, then becomes the hog.
    const { id, rootfs } = started(['sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1'], 24n * MiB);
    const ev = stream(['--interval', '100ms', id]);
    await waitFor(() => ev.lines.some((l) => l.type === 'stats'), 10_000);
    writeFileSync(join(rootfs, 'go'), '');
    assert.equal(await ev.exit, 0, ev.stderr());
    assert.equal(ev.lines.filter((l) => l.type === 'oom').length, 1, JSON.stringify(ev.lines.map((l) => l.type)));
    assert.equal(runts.state(id).status, 'stopped');
  });

  it('the library stream ends when its consumer stops reading, leaving nothing pending', async () => {
    const { id } = started(['sleep', '600']);
    const rt = new Runtime({ root: runts.root });
    const seen: string[] = [];
    for await (const e of rt.events(id, { intervalMs: 20 })) {
      seen.push(e.type);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['stats', 'stats', 'stats']);
    // An abort ends it too, between events.
    const abort = new AbortController();
    const pending = (async () => {
      const got = [];
      for await (const e of rt.events(id, { intervalMs: 60_000, signal: abort.signal })) got.push(e);
      return got;
    })();
    abort.abort();
    assert.deepEqual(await pending, []);
  });
});

describe('ps', { skip: noV1 }, () => {
  it("passes its options to ps(1) and keeps the header and the container's rows only", () => {
    const { id } = started(['sleep', '600']);
    runts.ok(['exec', '--detach', id, 'sleep', '500']);
    const pids = JSON.parse(runts.ok(['ps', '--format', 'json', id])) as number[];
    assert.equal(pids.length, 2);
    const [header, ...rows] = runts.ok(['ps', id, '-o', 'pid,args']).trimEnd().split('\n');
    assert.match(header, /^\s*PID COMMAND$/);
    assert.deepEqual(rows.map((r) => Number(r.trim().split(/\s+/)[0])).sort(), [...pids].sort());
    assert.deepEqual(rows.map((r) => r.trim().split(/\s+/).slice(1).join(' ')).sort(), ['sleep 500', 'sleep 600']);
    const ef = runts.ok(['ps', id]).trimEnd().split('\n');
    assert.match(ef[0], /^UID\s+PID\s+PPID/);
    assert.equal(ef.length, 3);
  });

  it('an option ps refuses fails with its message', () => {
    const { id } = started(['sleep', '600']);
    const r = runts.run(['ps', id, '--no-such-option']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ps --no-such-option exited with 1: .*unknown gnu long option/);
    const noPid = runts.run(['ps', id, '-o', 'comm']);
    assert.equal(noPid.code, 1);
    assert.match(noPid.stderr, /ps output has no PID column/);
  });
});

describe('events and ps: bad input', () => {
  it('a missing container, a stopped one, a bad interval or format: a clear error, non-zero', () => {
    const b = makeBundle(undefined, ['true']);
    after(() => b.cleanup());
    const stoppedId = uniqueId('stats-stopped');
    runts.ok(['create', '--bundle', b.dir, stoppedId]);
    runts.ok(['kill', stoppedId, 'KILL']);
    const cases: [string[], RegExp][] = [
      [['events', 'nope'], /container "nope" does not exist/],
      [['events', '--stats', 'nope'], /container "nope" does not exist/],
      [['events', '--stats', stoppedId], new RegExp(`container "${stoppedId}" is not running`)],
      [['events', stoppedId], new RegExp(`container "${stoppedId}" is not running`)],
      [['events', '--interval', '0', stoppedId], /--interval: 0: the interval must be greater than 0/],
      [['events', '--interval', '-1s', stoppedId], /--interval: -1s: the interval must be greater than 0/],
      [['events', '--interval', '5', stoppedId], /--interval: invalid duration "5"/],
      [['events'], /"events" requires exactly 1 argument/],
      [['events', 'a', 'b'], /"events" requires exactly 1 argument/],
      [['ps', 'nope'], /container "nope" does not exist/],
      [['ps', '--format', 'yaml', stoppedId], /--format: "yaml" is not table or json/],
      [['ps'], /"ps" requires a container id/],
    ];
    for (const [args, message] of cases) {
      const r = runts.run(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    runts.ok(['delete', stoppedId]);
  });
});
