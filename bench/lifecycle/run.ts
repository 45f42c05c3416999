// Lifecycle benchmark (issue 2, "Performance"): per-container wall time of a
// busybox `true` on one bundle, through
//   runts run (CLI) | runc run | crun run | the Runtime library in-process
//   (create+start+exit+delete, and the fused run+exit+delete) | the floor
//   (floor.c: clone with new pid/mnt/uts/ipc/net namespaces + exec + wait,
//   bare and with cgroup placement) | the executor driven from C
//   (driver.c: the library's plan and cgroups without Node, this design's
//   bound), plus Node start-up and `runts --version` to split the CLI's time.
//
//   .toolchain/node/bin/node bench/lifecycle/run.ts [--n 50] [--warmup 5] [--gap 50] [--explore] [--json FILE]
//
// Each measured iteration follows --gap ms of idle time (untimed): the kernel
// makes the first cgroup migration after an idle spell wait for an RCU grace
// period (see bench/README.md), so back-to-back loops flatter whoever runs
// them. The library is also measured back-to-back, as a busy engine runs it.
//
// As root. --explore also measures other ways to start the CLI (the launcher
// shell, type stripping without a bundle, a startup snapshot, V8 flags).
// Everything lives in one temp dir (state roots in one under /run), removed at the end; the run fails if
// anything is left behind.

import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { cgroupMountSources, planPlacement, procsFiles } from '../../src/runtime/cgroups/manager.ts';
import { buildCreatePlan } from '../../src/runtime/plan/create.ts';
import { encodePlan } from '../../src/runtime/plan/encode.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { cliRuntime, jsonOut, option, ratio, stats, type Stats, table } from '../common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = existsSync(join(REPO, '.toolchain/node/bin/node')) ? join(REPO, '.toolchain/node/bin/node') : process.execPath;
// The CLI as shipped: the one-file bundle scripts/setup makes (bin/runts is a dev launcher in front of it).
const RUNTS = join(REPO, 'build/runts');
const RUNC = '/usr/sbin/runc';
const CRUN = '/usr/bin/crun';
const BUSYBOX = '/bin/busybox';
const STDIO = ['ignore', 'ignore', 'ignore'] as ('ignore')[];

// ---- options ---------------------------------------------------------------

const N = Math.max(1, option('n', 50));
const WARMUP = option('warmup', 5);
const GAP = option('gap', 50);
const EXPLORE = process.argv.includes('--explore');
const JSON_OUT = jsonOut();

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');

// ---- helpers ---------------------------------------------------------------

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Wall time of one spawned command (spawnSync: nothing else runs meanwhile), in ms. */
function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv, what = `${cmd} ${args.join(' ')}`): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal} ${r.error?.message ?? r.stderr.trim()}`);
  return t;
}

// ---- set-up ----------------------------------------------------------------

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/lifecycle: run as root (containers on the real kernel)\n');
  process.exit(2);
}
for (const [what, path] of [['busybox (busybox-static)', BUSYBOX], ['runc', RUNC], ['runts executor', join(REPO, 'build/runts-executor')]]) {
  if (!existsSync(path)) {
    process.stderr.write(`bench/lifecycle: ${what} not found at ${path}: run scripts/setup\n`);
    process.exit(2);
  }
}

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const BUNDLE = join(TMP, 'bundle');
// State roots on tmpfs, as the runtimes' defaults are (/run/runc, /run/runts): on the
// disk-backed /tmp, ext4 made each delete's unlink of a fresh state file cost up to ms.
const STATE = mkdtempSync('/run/berth-bench-');
const ROOTS = { runts: join(STATE, 'runts'), runc: join(STATE, 'runc'), crun: join(STATE, 'crun'), lib: join(STATE, 'lib') };
const PREFIX = `bench${process.pid}`;
/** Containers that may exist right now, per runtime, for clean-up after a failure. */
const live = { runts: new Set<string>(), runc: new Set<string>(), lib: new Set<string>() };
const SLEEPER = join(TMP, 'sleeper');

function buildBundle(): void {
  mkdirSync(join(BUNDLE, 'rootfs/bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(BUNDLE, 'rootfs/bin/busybox'));
  for (const applet of ['sh', 'true', 'sleep']) symlinkSync('busybox', join(BUNDLE, 'rootfs/bin', applet));
  must(sh(RUNTS, ['spec', '--bundle', BUNDLE]), 'runts spec');
  const configPath = join(BUNDLE, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.process.terminal = false;
  config.process.args = ['true'];
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // The exec rows' long-running container: the same rootfs and config, sleeping.
  mkdirSync(SLEEPER);
  writeFileSync(join(SLEEPER, 'config.json'), JSON.stringify({ ...config, root: { path: join(BUNDLE, 'rootfs') }, process: { ...config.process, args: ['sleep', '3600'] } }));
}

function buildFloor(): string {
  const out = join(TMP, 'floor');
  must(sh('gcc', ['-O2', '-static', '-o', out, join(REPO, 'bench/lifecycle/floor.c')]), 'gcc floor.c');
  return out;
}

/**
 * The driver (driver.c) runs the executor on the plan the library builds for
 * this bundle, with cgroups under a parent of its own: the library's work
 * without Node. cpuset's parent clones cpus and mems into each new cgroup.
 */
function buildDriver(): { bin: string; plan: string; dirs: string[] } {
  const bin = join(TMP, 'driver');
  must(sh('gcc', ['-O2', '-o', bin, join(REPO, 'bench/lifecycle/driver.c')]), 'gcc driver.c');
  const { spec, rootfs } = runtime.loadBundle(BUNDLE);
  const hierarchies = hostHierarchies();
  const placement = planPlacement(undefined, 'c', hierarchies, `/${PREFIX}drv`);
  for (const [i, h] of hierarchies.entries()) {
    const parent = dirname(placement.dirs[i]);
    mkdirSync(parent);
    driverParents.push(parent);
    if (h.version === 1 && h.controllers.includes('cpuset')) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(parent, f), readFileSync(join(h.mountPoint, f), 'utf8').trim());
      writeFileSync(join(parent, 'cgroup.clone_children'), '1');
    }
  }
  const plan = buildCreatePlan({
    id: 'c',
    spec,
    bundle: BUNDLE,
    rootfs,
    mode: 'wait',
    cgroupProcs: procsFiles(placement),
    cgroupMounts: cgroupMountSources(placement),
    host: { isDirectory: (p) => !existsSync(p) || statSync(p).isDirectory(), isRuntimeNamespace: () => false },
  });
  const planFile = join(TMP, 'plan.bin');
  writeFileSync(planFile, encodePlan(plan));
  return { bin, plan: planFile, dirs: placement.dirs };
}

function driverSamples(d: { bin: string; plan: string; dirs: string[] }, n: number, warmup: number): number[] {
  const out = must(sh(d.bin, [join(REPO, 'build/runts-executor'), d.plan, String(n + warmup), String(GAP), ...d.dirs]), 'driver');
  return out.trim().split('\n').slice(warmup).map((l) => Number(l) / 1e6);
}

// ---- the paths -------------------------------------------------------------

/** `exec true` into a container each kind starts once (sleeping), for the exec rows. */
async function execCases(): Promise<Case[]> {
  const id = `${PREFIX}-sleeper`;
  // No pipes: a detached container keeps its stdio, and would hold a pipe open.
  const detached = (cmd: string, root: string) => {
    const r = spawnSync(cmd, ['--root', root, 'run', '-d', '--bundle', SLEEPER, id], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} run -d: exit ${r.status ?? r.signal}`);
  };
  live.runts.add(id);
  detached(RUNTS, ROOTS.runts);
  live.runc.add(id);
  detached(RUNC, ROOTS.runc);
  live.lib.add(id);
  await runtime.run(id, { bundle: SLEEPER, stdio: STDIO });
  const process = { ...JSON.parse(readFileSync(join(SLEEPER, 'config.json'), 'utf8')).process, args: ['true'] };
  return [
    { name: 'runts exec (CLI)', once: async () => timed(RUNTS, ['--root', ROOTS.runts, 'exec', id, 'true']) },
    { name: 'runc exec', once: async () => timed(RUNC, ['--root', ROOTS.runc, 'exec', id, 'true']) },
    {
      name: 'library exec+exit',
      async once() {
        const t0 = performance.now();
        const e = await runtime.exec(id, { process, stdio: STDIO });
        const code = await e.exit;
        if (code !== 0) throw new Error(`library exec exited ${code}`);
        return performance.now() - t0;
      },
    },
  ];
}

interface Case {
  name: string;
  once(id: string): Promise<number>;
  /** ms per phase, per call, for the library paths. */
  phases?: Record<string, number[]>;
}

// The library as an engine runs it: containers under a cgroup parent of its
// own, kept from one container to the next (as Docker keeps /docker), and an
// executor started ahead of each container.
const runtime = new Runtime({
  root: ROOTS.lib,
  cgroupParent: `/${PREFIX}lib`,
  keepCgroupParents: true,
  spareExecutor: true,
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
});

function cliCase(name: string, kind: 'runts' | 'runc', cmd: string): Case {
  return {
    name,
    async once(id) {
      live[kind].add(id);
      const t = timed(cmd, ['--root', ROOTS[kind], 'run', '--bundle', BUNDLE, id], undefined, `${name} ${id}`);
      live[kind].delete(id);
      return t;
    },
  };
}

function libSplit(): Case {
  const phases: Record<string, number[]> = { create: [], start: [], exit: [], delete: [] };
  return {
    name: 'library create+start+exit+delete',
    phases,
    async once(id) {
      live.lib.add(id);
      const t0 = performance.now();
      const c = await runtime.create(id, { bundle: BUNDLE, stdio: STDIO, wait: true });
      const t1 = performance.now();
      await runtime.start(id);
      const t2 = performance.now();
      const code = await c.exit;
      const t3 = performance.now();
      await runtime.delete(id);
      const t4 = performance.now();
      live.lib.delete(id);
      if (code !== 0) throw new Error(`library container ${id} exited ${code}`);
      phases.create.push(t1 - t0);
      phases.start.push(t2 - t1);
      phases.exit.push(t3 - t2);
      phases.delete.push(t4 - t3);
      return t4 - t0;
    },
  };
}

function libRun(): Case {
  const phases: Record<string, number[]> = { run: [], exit: [], delete: [] };
  return {
    name: 'library run+exit+delete',
    phases,
    async once(id) {
      live.lib.add(id);
      const t0 = performance.now();
      const c = await runtime.run(id, { bundle: BUNDLE, stdio: STDIO, wait: true });
      const t1 = performance.now();
      const code = await c.exit;
      const t2 = performance.now();
      await runtime.delete(id);
      const t3 = performance.now();
      live.lib.delete(id);
      if (code !== 0) throw new Error(`library container ${id} exited ${code}`);
      phases.run.push(t1 - t0);
      phases.exit.push(t2 - t1);
      phases.delete.push(t3 - t2);
      return t3 - t0;
    },
  };
}

function spawnCase(name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Case {
  return { name, once: async () => timed(cmd, args, env, name) };
}

/** Runs every case once per round, rotating the order, warm-up rounds discarded. */
async function interleave(cases: Case[], n: number, warmup: number, tag: string, gap = GAP): Promise<Map<Case, number[]>> {
  const out = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < warmup + n; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length];
      if (gap > 0) await sleep(gap);
      const t = await c.once(`${PREFIX}-${tag}-${round}-${k}`);
      if (round >= warmup) out.get(c)!.push(t);
    }
    if ((round + 1) % 10 === 0) process.stderr.write(`  ${tag}: round ${round + 1}/${warmup + n}\n`);
  }
  for (const c of cases) if (c.phases) for (const k of Object.keys(c.phases)) c.phases[k] = c.phases[k].slice(warmup);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function floorSamples(floor: string, n: number, warmup: number, procs: string[] = []): number[] {
  const out = must(sh(floor, [join(BUNDLE, 'rootfs'), String(n + warmup), String(GAP), ...procs]), 'floor');
  return out.trim().split('\n').slice(warmup).map((l) => Number(l) / 1e6);
}

/** One cgroup per host hierarchy for the floor's placement (as runts and runc make). */
function floorCgroups(): string[] {
  const dirs: string[] = [];
  for (const h of hostHierarchies()) {
    const dir = join(h.mountPoint, `${PREFIX}-floor`);
    mkdirSync(dir);
    dirs.push(dir);
    if (h.version === 1 && h.controllers.includes('cpuset'))
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(h.mountPoint, f), 'utf8').trim());
  }
  return dirs;
}

/** Whether cgroup migrations skip the RCU wait: cgroup2 mounted favordynmods, now or since boot. */
function favordynmods(): string {
  const m = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  if (m?.includes('favordynmods')) return 'cgroup2 mounted favordynmods';
  // On 6.18, once favordynmods was on, the kernel keeps per-threadgroup rwsems until reboot.
  if (/per threadgroup rwsem/.test(sh('dmesg', []).stdout ?? '')) return 'favordynmods was on since boot (kernel kept per-threadgroup rwsems)';
  return 'cgroup2 not mounted favordynmods';
}

/** crun 1.8 refuses hybrid cgroup hosts outright; measure it only if it works here. */
function crunCase(): { c?: Case; why?: string } {
  if (!existsSync(CRUN)) return { why: `${CRUN} not installed` };
  // crun 1.8 does not know runtime-spec 1.3's ociVersion: give it its own copy of the config.
  const dir = join(TMP, 'bundle-crun');
  mkdirSync(dir);
  const config = JSON.parse(readFileSync(join(BUNDLE, 'config.json'), 'utf8'));
  config.ociVersion = '1.0.2';
  config.root.path = join(BUNDLE, 'rootfs');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const probe = sh(CRUN, ['--root', ROOTS.crun, 'run', '--bundle', dir, `${PREFIX}-crunprobe`]);
  sh(CRUN, ['--root', ROOTS.crun, 'delete', '--force', `${PREFIX}-crunprobe`]);
  if (probe.status !== 0) return { why: `crun refuses: ${(probe.stderr || probe.stdout).trim().split('\n').pop()}` };
  return {
    c: {
      name: 'crun run',
      once: async (id) => timed(CRUN, ['--root', ROOTS.crun, 'run', '--bundle', dir, id], undefined, `crun ${id}`),
    },
  };
}

// ---- exploring faster CLI start-ups (no change to src/) --------------------

interface Variant {
  name: string;
  cmd: string;
  /** argv before the runts arguments. */
  pre: string[];
  env?: NodeJS.ProcessEnv;
}

function buildVariants(): { variants: Variant[]; notes: string[] } {
  const notes: string[] = [];
  const quiet = '--disable-warning=ExperimentalWarning';
  const onNode = cliRuntime(REPO, 'runts', NODE).onNode;
  notes.push(`build/runts is ${onNode ? `Node's entry: ${readFileSync(RUNTS, 'utf8').split('\n', 1)[0]}` : "Bun's compiled executable"}`);
  const nodeEntry = join(REPO, 'build/runts-node');
  const variants: Variant[] = [
    { name: 'build/runts as shipped', cmd: RUNTS, pre: [] },
    { name: 'build/runts-node (Node entry, #! flags, compile cache)', cmd: nodeEntry, pre: [] },
    { name: 'the bundle without the compile cache', cmd: NODE, pre: ['--min-semi-space-size=4', join(REPO, 'build/runts.cjs')] },
    { name: 'bin/runts (sh launcher, then build/runts)', cmd: join(REPO, 'bin/runts'), pre: [] },
    { name: 'node build/runts-node (no #! flags)', cmd: NODE, pre: [nodeEntry] },
    { name: 'node src/cli/runts/bin.ts (type stripping)', cmd: NODE, pre: [quiet, join(REPO, 'src/cli/runts/bin.ts')] },
  ];
  // The same code in a user-land startup snapshot: main() deserialized instead of loaded.
  const esbuild = join(REPO, 'node_modules/.bin/esbuild');
  const snapEntry = join(TMP, 'snapshot-entry.ts');
  writeFileSync(
    snapEntry,
    `import { startupSnapshot } from 'node:v8';\n` +
      `import { main } from ${JSON.stringify(join(REPO, 'src/cli/runts/main.ts'))};\n` +
      `startupSnapshot.setDeserializeMainFunction(() => main(process.argv.slice(1)).then((c) => { process.exitCode = c; }));\n`,
  );
  const snapCjs = join(TMP, 'runts-snapshot.cjs');
  // src/ finds the executor from import.meta.url: pin it to src/runtime.
  const define = `--define:import.meta.url=${JSON.stringify(`file://${join(REPO, 'src/runtime/native.ts')}`)}`;
  must(sh(esbuild, [snapEntry, '--bundle', '--platform=node', '--format=cjs', '--target=node24', define, `--outfile=${snapCjs}`, '--log-level=error']), 'esbuild');
  const blob = join(TMP, 'runts.blob');
  const snap = sh(NODE, ['--disable-warning=Warning', '--snapshot-blob', blob, '--build-snapshot', snapCjs], { cwd: TMP });
  if (snap.status === 0 && existsSync(blob)) {
    notes.push(`startup snapshot: ${(readFileSync(blob).length / 1048576).toFixed(1)} MiB blob`);
    variants.push({ name: 'startup snapshot (node --snapshot-blob)', cmd: NODE, pre: ['--snapshot-blob', blob, '--'] });
  } else notes.push(`startup snapshot failed: ${snap.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { variants, notes };
}

interface Explored {
  rows: string[][];
  bare: string[][];
  notes: string[];
  results: Record<string, { version: Stats; run: Stats }>;
}

async function explore(bareNode: Stats): Promise<Explored> {
  const { variants, notes } = buildVariants();
  const results: Record<string, { version: Stats; run: Stats }> = {};
  const rows = [['CLI variant', '--version med', 'p90', 'run med', 'p90', 'run - version', 'version - bare start']];
  process.stderr.write(`exploring ${variants.length} CLI variants\n`);
  for (const [vi, v] of variants.entries()) {
    const cases: Case[] = [
      spawnCase(`${v.name} --version`, v.cmd, [...v.pre, '--version'], v.env),
      {
        name: `${v.name} run`,
        async once(id) {
          live.runts.add(id);
          const t = timed(v.cmd, [...v.pre, '--root', ROOTS.runts, 'run', '--bundle', BUNDLE, id], v.env, `${v.name} run ${id}`);
          live.runts.delete(id);
          return t;
        },
      },
    ];
    const r = await interleave(cases, N, Math.max(WARMUP, 2), `x${vi}`);
    const version = stats(r.get(cases[0])!);
    const run = stats(r.get(cases[1])!);
    results[v.name] = { version, run };
    rows.push([v.name, ms(version.median), ms(version.p90), ms(run.median), ms(run.p90), ms(run.median - version.median), ms(version.median - bareNode.median)]);
  }
  // Node's own start-up under the flags above.
  const flags = [[], ['--single-threaded'], ['--jitless'], ['--v8-pool-size=0'], ['--min-semi-space-size=4']];
  const bareCases = flags.map((f) => spawnCase(`node ${[...f, '-e 0'].join(' ')}`, NODE, [...f, '-e', '0']));
  // What the bin/runts launcher adds: a shell.
  bareCases.push(spawnCase('launcher part: sh -c :', '/bin/sh', ['-c', ':']));
  const br = await interleave(bareCases, N, WARMUP, 'bare');
  const bare = [['start-up pieces', 'median ms', 'p90 ms']];
  for (const c of bareCases) {
    const st = stats(br.get(c)!);
    bare.push([c.name, ms(st.median), ms(st.p90)]);
  }
  return { rows, bare, notes, results };
}

// ---- clean-up and leftovers ------------------------------------------------

async function cleanup(): Promise<void> {
  for (const id of live.runts) sh(RUNTS, ['--root', ROOTS.runts, 'delete', '--force', id]);
  for (const id of live.runc) sh(RUNC, ['--root', ROOTS.runc, 'delete', '--force', id]);
  for (const id of live.lib) await runtime.delete(id, true).catch(() => {});
  await runtime.close();
  for (const dir of [...floorCgroupDirs, ...driverParents]) {
    try {
      rmdirSync(dir);
    } catch {
      // Reported by leftovers().
    }
  }
}

/** Everything this run could have left: state, runc's list, cgroups, /run/runts entries. */
function leftovers(): string[] {
  const left: string[] = [];
  for (const [name, root] of Object.entries(ROOTS)) {
    if (!existsSync(root)) continue;
    const entries = readdirSync(root).filter((e) => name !== 'runc' || e !== 'state.json');
    if (entries.length) left.push(`${root}: ${entries.join(' ')}`);
  }
  if (existsSync(ROOTS.runc)) {
    const ids = sh(RUNC, ['--root', ROOTS.runc, 'list', '-q']).stdout.trim();
    if (ids) left.push(`runc list: ${ids.replaceAll('\n', ' ')}`);
  }
  if (existsSync('/run/runts')) {
    const ours = readdirSync('/run/runts').filter((e) => e.includes(PREFIX));
    if (ours.length) left.push(`/run/runts: ${ours.join(' ')}`);
  }
  const cg = sh('find', ['/sys/fs/cgroup', '(', '-name', `*${PREFIX}*`, '-o', '-name', '*bench*', ')']).stdout.trim();
  if (cg) left.push(`cgroups: ${cg.replaceAll('\n', ' ')}`);
  return left;
}

// ---- main ------------------------------------------------------------------

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const floorCgroupDirs: string[] = [];
const driverParents: string[] = [];

async function bench(): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg();
  buildBundle();
  const floor = buildFloor();
  const driver = buildDriver();
  const crun = crunCase();
  const runtsCli = cliCase('runts run (CLI)', 'runts', RUNTS);
  const runc = cliCase('runc run', 'runc', RUNC);
  const split = libSplit();
  const fused = libRun();
  const cli = cliRuntime(REPO, 'runts', NODE);
  const bare = spawnCase(cli.bareLabel, cli.runtime, ['-e', '0']);
  const version = spawnCase('runts --version', RUNTS, ['--version']);
  const spawnTrue = spawnCase('spawn busybox true (no container)', join(BUNDLE, 'rootfs/bin/true'), []);
  const execs = await execCases();
  const cases = [runtsCli, runc, ...(crun.c ? [crun.c] : []), split, fused, ...execs, bare, version, spawnTrue];

  process.stderr.write(`bench/lifecycle: N=${N}, warm-up ${WARMUP}, gap ${GAP} ms, ${cases.length} paths interleaved, temp ${TMP}\n`);
  const res = await interleave(cases, N, WARMUP, 'c');
  const s = new Map<string, Stats>();
  for (const c of cases) s.set(c.name, stats(res.get(c)!));

  const FLOOR = 'floor (C: clone 5 namespaces + exec + wait)';
  const FLOOR_CG = 'floor + placement in every cgroup hierarchy';
  s.set(FLOOR, stats(floorSamples(floor, N, WARMUP)));
  floorCgroupDirs.push(...floorCgroups());
  s.set(FLOOR_CG, stats(floorSamples(floor, N, WARMUP, floorCgroupDirs.map((d) => join(d, 'cgroup.procs')))));
  const DRIVER = 'executor driven from C: same plan and cgroups, no Node';
  s.set(DRIVER, stats(driverSamples(driver, N, WARMUP)));

  // The library as a busy engine drives it: back-to-back, no idle gap.
  const split2 = libSplit();
  const fused2 = libRun();
  split2.name += ', back-to-back';
  fused2.name += ', back-to-back';
  for (const c of [split2, fused2]) s.set(c.name, stats((await interleave([c], N, WARMUP, c === split2 ? 'bs' : 'bf', 0)).get(c)!));

  const rows = [['path', 'median ms', 'p90 ms', 'min ms']];
  for (const [name, st] of s) rows.push([name, ms(st.median), ms(st.p90), ms(st.min)]);
  const med = (c: Case | string): number => s.get(typeof c === 'string' ? c : c.name)!.median;

  const ratios = [
    ['ratio (medians)', 'value', 'target'],
    ['runts CLI / runc', ratio(med(runtsCli), med(runc)), '<= 1.00x'],
    ['runts exec (CLI) / runc exec', ratio(med(execs[0]), med(execs[1])), ''],
    ['runc exec / library exec+exit', ratio(med(execs[1]), med(execs[2])), ''],
    ['runc / library create+start+exit+delete', ratio(med(runc), med(split)), '>= 6x'],
    ['runc / library run+exit+delete', ratio(med(runc), med(fused)), '>= 6x'],
    ['runc / library run+exit+delete, back-to-back', ratio(med(runc), med(fused2)), '>= 6x'],
    ['runc / executor driven from C (this design without Node)', ratio(med(runc), med(DRIVER)), 'bound'],
    ['library run+exit+delete / executor driven from C', ratio(med(fused), med(DRIVER)), 'Node\'s share'],
    ['library create+start+exit+delete / floor', ratio(med(split), med(FLOOR)), 'close to 1x'],
    ['library run+exit+delete / floor', ratio(med(fused), med(FLOOR)), 'close to 1x'],
    ['library run+exit+delete / floor with cgroups', ratio(med(fused), med(FLOOR_CG)), 'close to 1x'],
  ];
  if (crun.c) ratios.push(['runc / crun', ratio(med(runc), med(crun.c)), '']);

  const phaseRows = [['library phase', 'median ms', 'p90 ms']];
  for (const c of [split, fused, split2, fused2])
    for (const [k, v] of Object.entries(c.phases!)) {
      const st = stats(v);
      phaseRows.push([`${c.name.replace('library ', '').replace('+exit+delete', '')}: ${k}`, ms(st.median), ms(st.p90)]);
    }

  const breakdown = [
    ['runts run (CLI), split', 'ms (medians)'],
    [`the runtime's bare start (${cli.bareLabel})`, ms(med(bare))],
    [`loading runts (--version - ${cli.bareLabel})`, ms(med(version) - med(bare))],
    ['the run itself (run - --version)', ms(med(runtsCli) - med(version))],
    ['  same work in-process, warm (library run+exit+delete)', ms(med(fused))],
    ['Node spawn of a static binary (measurement overhead, in every spawned row)', ms(med(spawnTrue))],
  ];

  const out: string[] = [];
  out.push(`bench/lifecycle  N=${N} per path (after ${WARMUP} warm-up rounds), ${GAP} ms idle before each, ${new Date().toISOString()}`);
  out.push(`node ${must(sh(NODE, ['--version']), 'node').trim()}, ${must(sh(RUNC, ['--version']), 'runc').split('\n')[0]}, kernel ${must(sh('uname', ['-r']), 'uname').trim()}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?'} x${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length}, ${hostHierarchies().length} cgroup hierarchies, ${favordynmods()}`);
  out.push('', table(rows), '', table(ratios), '', table(phaseRows), '', table(breakdown));
  if (crun.why) out.push('', `crun: ${crun.why}`);

  let exploreResult: Awaited<ReturnType<typeof explore>> | undefined;
  if (EXPLORE) {
    exploreResult = await explore(s.get(bare.name)!);
    out.push('', table(exploreResult.rows), '', table(exploreResult.bare), ...exploreResult.notes.map((n) => `note: ${n}`));
  }
  out.push('', `took ${((Date.now() - started) / 1000).toFixed(0)} s; load average before ${loadBefore}, after ${loadavg()} (other work on the machine skews every row)`);
  process.stdout.write(`${out.join('\n')}\n`);

  if (JSON_OUT)
    writeFileSync(
      JSON_OUT,
      JSON.stringify(
        {
          n: N,
          warmup: WARMUP,
          stats: Object.fromEntries(s),
          phases: Object.fromEntries([split, fused, split2, fused2].map((c) => [c.name, c.phases])),
          crun: crun.why ?? 'measured',
          explore: exploreResult?.results,
        },
        null,
        2,
      ),
    );
}

let failed = false;
try {
  await bench();
} catch (e) {
  failed = true;
  process.stderr.write(`bench/lifecycle: ${(e as Error).stack ?? e}\n`);
} finally {
  await cleanup();
  const left = leftovers();
  if (left.length) {
    failed = true;
    process.stderr.write(`bench/lifecycle: LEFT BEHIND:\n  ${left.join('\n  ')}\n`);
  } else process.stderr.write('bench/lifecycle: nothing left behind (state roots, runc list, cgroups, /run/runts)\n');
  rmSync(TMP, { recursive: true, force: true });
  rmSync(STATE, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
