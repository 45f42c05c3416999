// Engine run benchmark (issue 18, "Performance"): the wall time of running a
// busybox `true` from an image, start to removal, on one local image:
//   berth run --rm (CLI)       build/berth, private --root and --run-root
//   library run+wait+remove    new Berth(...) in-process
//   runtime library run        the runtime library's run+exit+delete on a bundle
//                              prepared from the same image (the container's own
//                              config.json and mounted rootfs), with and without a monitor
//   podman run --rm            Debian's podman, private storage, runc
//   ctr run --rm               a private containerd (runc shim)
//   docker run --rm            Debian's dockerd, private, on that containerd
//
//   .toolchain/node/bin/node bench/run/run.ts [--runs 20] [--warmup 2] [--gap 50] [--json FILE]
//
// The image (Debian's busybox-static with its applets, Cmd ["sh"]) is pushed to
// a local docker-registry and pulled by every engine before timing. All run
// with no network of their own (podman and docker --network none; ctr makes
// none by default; berth's default). Rows run interleaved (rotating order),
// each sample after --gap ms idle and after every process the previous sample
// left (exit commands, shims) has gone. Peers that are not installed are
// skipped with how to install them. As root. Everything is made under one temp
// dir and one dir under /run, removed at the end; the run fails if anything
// is left behind.

import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Berth } from '../../src/engine/berth.ts';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { type Containerd, startContainerd } from '../../test/helpers/containerd.ts';
import { startImages } from '../../test/helpers/engine.ts';
import { jsonOut, ratio, option, stats, type Stats, table } from '../common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BERTH = join(REPO, 'build/berth');
const RUNS = option('runs', 20, 1);
const WARMUP = option('warmup', 2);
const GAP = option('gap', 50);
const JSON_OUT = jsonOut();
const PREFIX = `benchrun${process.pid}`;

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/run: run as root (containers on the real kernel)\n');
  process.exit(2);
}
if (!existsSync(BERTH)) {
  process.stderr.write('bench/run: build/berth missing: run scripts/setup\n');
  process.exit(2);
}

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-run-'));
// Short, on tmpfs: monitor sockets and runtime state live under it.
const RUN = mkdtempSync('/run/bbr-');
const hadRunContainers = existsSync('/run/containers');
const hadLibpodParent = hostHierarchies().some((h) => existsSync(join(h.mountPoint, 'libpod_parent')));

function sh(cmd: string, args: string[], timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

function onPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

/** Wall time of one spawned command, in ms; it must exit 0. */
function timed(cmd: string, args: string[], what: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal} ${r.error?.message ?? r.stderr.trim()}`);
  return t;
}

/** Daemons this run started: their command lines name our dirs too, and they stay. */
const daemons = new Set<number>();

/** Pids of processes (other than ours and the daemons) whose command line names one of our dirs. */
function stragglers(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    const pid = Number(p);
    if (!Number.isInteger(pid) || pid === process.pid || daemons.has(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(TMP) || cmd.includes(RUN)) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

/** Waits until what the last sample left running in the background (exit commands, shims) is gone. */
async function settle(): Promise<void> {
  for (let i = 0; stragglers().length && i < 500; i++) await sleep(10);
}

interface Row {
  name: string;
  once(i: number): Promise<number>;
}

interface Peer {
  name: string;
  rows: Row[];
  version?: string;
  teardown(): Promise<void> | void;
}

interface Skipped {
  name: string;
  why: string;
}

// ---- berth (CLI and library) and the runtime library ---------------------

async function berthPeers(image: string, registryHost: string): Promise<Peer[]> {
  const cliRoot = join(TMP, 'berth-cli');
  const cliRun = join(RUN, 'c');
  const cli = (args: string[]): [string, string[]] => [BERTH, ['--root', cliRoot, '--run-root', cliRun, ...args]];
  must(sh(...cli(['--insecure-registry', registryHost, 'pull', '-q', image])), 'berth pull');

  const lib = new Berth({ root: join(TMP, 'berth-lib'), runRoot: join(RUN, 'l'), images: { registry: { hosts: { [registryHost]: { plainHttp: true } } } } });
  await lib.ready();
  // The runtime library's reference: the container berth would make, prepared once (created, not started).
  const proto = await lib.create({ image, cmd: ['true'], name: `${PREFIX}-proto` });
  const bundle = join(TMP, 'bundle');
  mkdirSync(bundle);
  const spec = JSON.parse(readFileSync(join(lib.ctx.containerDir(proto), 'config.json'), 'utf8'));
  spec.root.path = join(lib.ctx.containerDir(proto), 'rootfs');
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const rt = lib.ctx.runtime;

  const rows: Row[] = [
    {
      name: 'berth run --rm (CLI)',
      once: async () => timed(...cli(['run', '--rm', image, 'true']), 'berth run'),
    },
    {
      name: 'library run+wait+remove',
      async once() {
        const t0 = performance.now();
        const id = await lib.run({ image, cmd: ['true'] });
        const code = await lib.wait(id);
        await lib.remove(id);
        const t = performance.now() - t0;
        if (code !== 0) throw new Error(`library container exited ${code}`);
        return t;
      },
    },
    {
      name: 'runtime library run+exit+delete',
      async once(i) {
        const id = `${PREFIX}-rt-${i}`;
        const t0 = performance.now();
        const c = await rt.run(id, { bundle, wait: true, stdio: ['ignore', 'ignore', 'ignore'] });
        const code = await c.exit;
        await rt.delete(id);
        const t = performance.now() - t0;
        if (code !== 0) throw new Error(`runtime container exited ${code}`);
        return t;
      },
    },
    {
      name: 'runtime library run+exit+delete, monitor',
      async once(i) {
        const id = `${PREFIX}-rtm-${i}`;
        const t0 = performance.now();
        const c = await rt.run(id, { bundle, wait: true, monitor: { dir: join(RUN, `m${i}`) } });
        const code = await c.exit;
        await rt.delete(id);
        const t = performance.now() - t0;
        if (code !== 0) throw new Error(`runtime container exited ${code}`);
        return t;
      },
    },
  ];
  return [
    {
      name: 'berth',
      rows,
      async teardown() {
        await lib.remove(proto, { force: true });
        for (const r of await lib.list({ all: true })) await lib.remove(r.id, { force: true });
        for (const id of readdirSync(join(RUN, 'l/runtime')).filter((d) => !d.startsWith('.'))) await rt.delete(id, true).catch(() => {});
        lib.close();
        const ids = sh(...cli(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
        if (ids.length) sh(...cli(['rm', '-f', ...ids]));
      },
    },
  ];
}

// ---- podman ----------------------------------------------------------------

function podmanPeer(image: string): Peer | Skipped {
  if (!onPath('podman')) return { name: 'podman', why: 'podman not installed (Debian: apt-get install podman)' };
  if (!onPath('runc')) return { name: 'podman', why: 'runc not installed (Debian: apt-get install runc)' };
  const base = [
    '--root', join(TMP, 'podman/storage'), '--runroot', join(RUN, 'p'), '--tmpdir', join(TMP, 'podman/tmp'),
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', '--runtime', 'runc',
  ];
  const podman = (args: string[]): [string, string[]] => ['podman', [...base, ...args]];
  must(sh(...podman(['pull', '-q', '--tls-verify=false', image])), 'podman pull');
  return {
    name: 'podman',
    version: sh('podman', ['--version']).stdout.trim(),
    rows: [{
      name: 'podman run --rm',
      // Podman's default rlimits exceed this host's hard limits; --network none as berth's default.
      once: async () => timed(...podman(['run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', image, 'true']), 'podman run'),
    }],
    async teardown() {
      for (const id of sh(...podman(['ps', '-aq'])).stdout.split('\n').filter(Boolean)) sh(...podman(['rm', '-f', '-t', '0', id]));
      sh(...podman(['rmi', '-a', '-f']));
      sh(...podman(['system', 'reset', '-f']));
      if (!hadLibpodParent)
        for (const h of hostHierarchies()) {
          const parent = join(h.mountPoint, 'libpod_parent');
          if (!existsSync(parent)) continue;
          for (const d of readdirSync(parent, { withFileTypes: true })) if (d.isDirectory()) await removeCgroup(join(parent, d.name));
          await removeCgroup(parent);
        }
      if (!hadRunContainers) rmSync('/run/containers', { recursive: true, force: true });
    },
  };
}

/** rmdir, retried while a process on its way out still holds the cgroup. */
async function removeCgroup(dir: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      return rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || tries === 500) throw e;
      await sleep(10);
    }
  }
}

// ---- containerd (ctr) and docker -------------------------------------------

async function containerdPeer(image: string): Promise<{ peer: Peer | Skipped; containerd?: Containerd }> {
  for (const bin of ['containerd', 'ctr', 'containerd-shim-runc-v2'])
    if (!onPath(bin)) return { peer: { name: 'containerd', why: `${bin} not installed (Debian: apt-get install containerd)` } };
  const dir = join(TMP, 'containerd');
  mkdirSync(dir);
  const containerd = await startContainerd(dir);
  for (const p of pidsOf('containerd', dir)) daemons.add(p);
  must(withCode(containerd.ctr('bench', ['images', 'pull', '--plain-http', image])), 'ctr pull');
  return {
    containerd,
    peer: {
      name: 'containerd',
      version: sh('containerd', ['--version']).stdout.trim(),
      rows: [{ name: 'ctr run --rm', once: async (i) => timed('ctr', ['--address', containerd.sock, '-n', 'bench', 'run', '--rm', image, `${PREFIX}-${i}`, 'true'], 'ctr run') }],
      teardown() {
        for (const c of containerd.ctr('bench', ['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
          containerd.ctr('bench', ['tasks', 'kill', '-s', 'SIGKILL', c]);
          containerd.ctr('bench', ['tasks', 'delete', '-f', c]);
          containerd.ctr('bench', ['containers', 'delete', c]);
        }
      },
    },
  };
}

function withCode(r: { code: number; stdout: string; stderr: string }): SpawnSyncReturns<string> {
  return { status: r.code, stdout: r.stdout, stderr: r.stderr } as SpawnSyncReturns<string>;
}

function pidsOf(comm: string, arg: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(arg)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

async function dockerPeer(image: string, containerd: Containerd | undefined): Promise<Peer | Skipped> {
  const dockerd = onPath('dockerd');
  if (!dockerd) return { name: 'docker', why: 'dockerd not installed (Debian: apt-get install docker.io)' };
  if (!containerd) return { name: 'docker', why: 'no containerd to run dockerd on' };
  // Debian's client, which matches its daemon (another docker may come first on PATH).
  const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : onPath('docker');
  if (!client) return { name: 'docker', why: 'docker client not installed (Debian: apt-get install docker.io)' };
  const sock = join(RUN, 'docker.sock');
  const child = spawn(dockerd, [
    '--data-root', join(TMP, 'docker'), '--exec-root', join(RUN, 'd'), '--pidfile', join(RUN, 'docker.pid'), '-H', `unix://${sock}`,
    '--containerd', containerd.sock, '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--storage-driver', 'overlay2',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  daemons.add(child.pid!);
  const docker = (args: string[]): [string, string[]] => [client, ['-H', `unix://${sock}`, ...args]];
  for (let i = 0; sh(...docker(['version'])).status !== 0; i++) {
    if (child.exitCode !== null || i > 300) {
      child.kill('SIGTERM');
      return { name: 'docker', why: `dockerd did not start: ${log.trim().split('\n').slice(-2).join(' | ')}` };
    }
    await sleep(50);
  }
  must(sh(...docker(['pull', '-q', image])), 'docker pull');
  return {
    name: 'docker',
    version: sh(...docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    rows: [{ name: 'docker run --rm', once: async () => timed(...docker(['run', '--rm', '--network', 'none', image, 'true']), 'docker run') }],
    async teardown() {
      const ids = sh(...docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) sh(...docker(['rm', '-f', ...ids]));
      sh(...docker(['rmi', '-f', image]));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- the run ----------------------------------------------------------------

/** Every row once per round, rotating the order; warm-up rounds dropped. */
async function interleave(rows: Row[]): Promise<Map<Row, number[]>> {
  const out = new Map<Row, number[]>(rows.map((r) => [r, []]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (let k = 0; k < rows.length; k++) {
      const r = rows[(round + k) % rows.length];
      await settle();
      await sleep(GAP);
      const t = await r.once(round);
      if (round >= WARMUP) out.get(r)!.push(t);
    }
    if ((round + 1) % 5 === 0) process.stderr.write(`  round ${round + 1}/${WARMUP + RUNS}\n`);
  }
  return out;
}

/** Mounts left under our dirs, deepest first. */
function ourMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m.startsWith(`${TMP}/`) || m.startsWith(`${RUN}/`))).reverse();
}

const peers: Peer[] = [];
const skipped: Skipped[] = [];
let containerd: Containerd | undefined;
let results = new Map<Row, number[]>();
let left: string[] = [];
const images = await startImages();
const image = images.busybox;
try {
  process.stderr.write(`image ${image}; setting up the peers\n`);
  peers.push(...(await berthPeers(image, images.registry.host)));
  const p = podmanPeer(image);
  if ('rows' in p) peers.push(p);
  else skipped.push(p);
  const c = await containerdPeer(image);
  containerd = c.containerd;
  if ('rows' in c.peer) peers.push(c.peer);
  else skipped.push(c.peer);
  const d = await dockerPeer(image, containerd);
  if ('rows' in d) peers.push(d);
  else skipped.push(d);
  results = await interleave(peers.flatMap((x) => x.rows));
} finally {
  await settle();
  for (const p of peers.reverse()) {
    try {
      await p.teardown();
    } catch (e) {
      process.stderr.write(`teardown of ${p.name}: ${(e as Error).message}\n`);
    }
  }
  await containerd?.stop();
  await images.stop();
  await settle();
  left = [...ourMounts(), ...stragglers().map((p) => `process ${p}`)];
  for (const m of ourMounts()) sh('umount', ['-l', m]);
  rmSync(TMP, { recursive: true, force: true });
  rmSync(RUN, { recursive: true, force: true });
}

const figures: Record<string, Stats> = {};
for (const [r, xs] of results) figures[r.name] = stats(xs);
const med = (name: string) => figures[name]?.median ?? NaN;
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`busybox true from a local image, ${RUNS} runs each (after ${WARMUP} warm-up), interleaved, ${GAP} ms idle gap; load ${load}`);
console.log(table([['path', 'median ms', 'p90', 'min'], ...Object.entries(figures).map(([n, s]) => [n, f(s.median), f(s.p90), f(s.min)])]));
for (const s of skipped) console.log(`skipped ${s.name}: ${s.why}`);
for (const p of peers) if (p.version) console.log(`${p.name}: ${p.version}`);
const cli = med('berth run --rm (CLI)');
const targets = [
  ['podman run / berth run (target >= 3x)', ratio(med('podman run --rm'), cli)],
  ['ctr run / berth run (target >= 2x)', ratio(med('ctr run --rm'), cli)],
  ['docker run / berth run', ratio(med('docker run --rm'), cli)],
  ['library / runtime library (target <= 2x)', ratio(med('library run+wait+remove'), med('runtime library run+exit+delete'))],
  ['library / runtime library with monitor', ratio(med('library run+wait+remove'), med('runtime library run+exit+delete, monitor'))],
];
console.log(`\n${table([['ratio', ''], ...targets])}`);
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ runs: RUNS, warmup: WARMUP, gap: GAP, load, image, figures, ratios: Object.fromEntries(targets), skipped, versions: Object.fromEntries(peers.map((p) => [p.name, p.version ?? ''])) }, null, 2)}\n`);
if (left.length) throw new Error(`left behind: ${left.join(' ')}`);
