// Stats benchmark (issue 16, "Performance"): one running container per
// runtime, made from the same bundle (busybox `sleep`), and the time to read
// its statistics through
//   runts events --stats (CLI) | runc events --stats | Runtime.stats() in-process
// plus the CLI's runtime's bare start (Bun or Node) and `runts --version` to split its time.
//
//   .toolchain/node/bin/node bench/stats/run.ts [--n 50] [--warmup 5] [--gap 50] [--json FILE]
//
// The spawned paths run interleaved (rotating order), each after --gap ms of
// idle time; the library call is timed the same way, and back-to-back (as an
// engine polling many containers calls it). As root. Everything lives in one
// temp dir and one state dir under /run, removed at the end; the run fails if
// anything is left behind.

import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { cliRuntime, jsonOut, option, ratio, stats, table } from '../common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = existsSync(join(REPO, '.toolchain/node/bin/node')) ? join(REPO, '.toolchain/node/bin/node') : process.execPath;
const RUNTS = join(REPO, 'build/runts');
// The bare start that splits the CLI's time is that of the runtime build/runts runs on.
const CLI = cliRuntime(REPO, 'runts', NODE);
const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';

const N = Math.max(1, option('n', 50));
const WARMUP = option('warmup', 5);
const GAP = option('gap', 50);
const JSON_OUT = jsonOut();

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');

function sh(cmd: string, args: string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Wall time of one spawned command to its exit, in ms (output read, as a client reads it). */
function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal} ${r.error?.message ?? r.stderr.trim()}`);
  return t;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- set-up ----------------------------------------------------------------

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/stats: run as root (containers on the real kernel)\n');
  process.exit(2);
}
for (const [what, path] of [['busybox (busybox-static)', BUSYBOX], ['runc', RUNC], ['runts (build/runts)', RUNTS]]) {
  if (!existsSync(path)) {
    process.stderr.write(`bench/stats: ${what} not found at ${path}: run scripts/setup\n`);
    process.exit(2);
  }
}

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-stats-'));
const BUNDLE = join(TMP, 'bundle');
const STATE = mkdtempSync('/run/berth-bench-stats-');
const ROOTS = { runts: join(STATE, 'runts'), runc: join(STATE, 'runc') };
const ID = `benchstats${process.pid}`;
const started = { runts: false, runc: false };

function buildBundle(): void {
  mkdirSync(join(BUNDLE, 'rootfs/bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(BUNDLE, 'rootfs/bin/busybox'));
  symlinkSync('busybox', join(BUNDLE, 'rootfs/bin/sleep'));
  for (const d of ['proc', 'sys', 'dev', 'tmp']) mkdirSync(join(BUNDLE, 'rootfs', d));
  must(sh(RUNTS, ['spec', '--bundle', BUNDLE]), 'runts spec');
  const spec = JSON.parse(readFileSync(join(BUNDLE, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['sleep', '3600'];
  writeFileSync(join(BUNDLE, 'config.json'), JSON.stringify(spec, null, 2));
}

/** Runs the bundle detached; its stdio is /dev/null: a pipe would stay open in the container. */
function detach(runtime: string, root: string): void {
  const r = spawnSync(runtime, ['--root', root, 'run', '--detach', '--bundle', BUNDLE, ID], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error(`${runtime} run --detach: exit ${r.status ?? r.signal} ${r.error?.message ?? ''}`);
}

/** Every top-level and nested key of an events line, to compare the two runtimes' shapes. */
function keys(v: unknown, at = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => (k === 'raw' ? [`${at}${k}`] : [`${at}${k}`, ...keys(x, `${at}${k}.`)]));
}

// ---- main ------------------------------------------------------------------

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function bench(): Promise<void> {
  const t0 = Date.now();
  const loadBefore = loadavg();
  buildBundle();
  detach(RUNTS, ROOTS.runts);
  started.runts = true;
  detach(RUNC, ROOTS.runc);
  started.runc = true;
  const runtime = new Runtime({ root: ROOTS.runts });

  const theirs = JSON.parse(must(sh(RUNC, ['--root', ROOTS.runc, 'events', '--stats', ID]), 'runc events'));
  const ours = JSON.parse(must(sh(RUNTS, ['--root', ROOTS.runts, 'events', '--stats', ID]), 'runts events'));
  const [k1, k2] = [new Set(keys(theirs)), new Set(keys(ours))];
  const onlyRunc = [...k1].filter((k) => !k2.has(k));
  const onlyRunts = [...k2].filter((k) => !k1.has(k));

  const cases: { name: string; once: () => number }[] = [
    { name: 'runts events --stats (CLI)', once: () => timed(RUNTS, ['--root', ROOTS.runts, 'events', '--stats', ID]) },
    { name: 'runc events --stats', once: () => timed(RUNC, ['--root', ROOTS.runc, 'events', '--stats', ID]) },
    {
      name: 'library Runtime.stats()',
      once: () => {
        const t = performance.now();
        runtime.stats(ID);
        return performance.now() - t;
      },
    },
    { name: CLI.bareLabel, once: () => timed(CLI.runtime, ['-e', '0']) },
    { name: 'runts --version', once: () => timed(RUNTS, ['--version']) },
  ];
  process.stderr.write(`bench/stats: N=${N}, warm-up ${WARMUP}, gap ${GAP} ms, ${cases.length} paths interleaved, temp ${TMP}\n`);
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < WARMUP + N; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length];
      if (GAP > 0) await sleep(GAP);
      const t = c.once();
      if (round >= WARMUP) samples.get(c.name)!.push(t);
    }
    if ((round + 1) % 10 === 0) process.stderr.write(`  round ${round + 1}/${WARMUP + N}\n`);
  }
  const B2B = 'library Runtime.stats(), back-to-back';
  const b2b: number[] = [];
  for (let i = 0; i < WARMUP * 20 + N * 20; i++) {
    const t = performance.now();
    runtime.stats(ID);
    if (i >= WARMUP * 20) b2b.push(performance.now() - t);
  }
  samples.set(B2B, b2b);

  const s = new Map([...samples].map(([name, v]) => [name, stats(v)]));
  const med = (name: string): number => s.get(name)!.median;
  const rows = [['path', 'median ms', 'p90 ms', 'min ms']];
  for (const [name, st] of s) rows.push([`${name}${name === B2B ? ` (${st.n} calls)` : ''}`, ms(st.median), ms(st.p90), ms(st.min)]);
  const ratios = [
    ['ratio (medians)', 'value', 'target'],
    ['runts events --stats / runc events --stats', ratio(med(cases[0].name), med(cases[1].name)), '<= 1.00x'],
    ['runc events --stats / library stats', ratio(med(cases[1].name), med(cases[2].name)), ''],
    ['library stats (after an idle gap), ms', ms(med(cases[2].name)), '< 1 ms'],
    ['library stats (back-to-back), ms', ms(med(B2B)), '< 1 ms'],
  ];
  const split = [
    ['runts events --stats (CLI), split', 'ms (medians)'],
    [`the runtime's bare start (${CLI.bareLabel})`, ms(med(CLI.bareLabel))],
    [`loading runts (--version - ${CLI.bareLabel})`, ms(med('runts --version') - med(CLI.bareLabel))],
    ['the call itself (events --stats - --version)', ms(med(cases[0].name) - med('runts --version'))],
  ];

  const out: string[] = [];
  out.push(`bench/stats  N=${N} per path (after ${WARMUP} warm-up rounds), ${GAP} ms idle before each, ${new Date().toISOString()}`);
  out.push(
    `build/runts on ${CLI.onNode ? 'node' : 'bun'} ${must(sh(CLI.runtime, ['--version']), 'runtime').trim()}, ${must(sh(RUNC, ['--version']), 'runc').split('\n')[0]}, kernel ${must(sh('uname', ['-r']), 'uname').trim()}, ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cpus, ${hostHierarchies().length} cgroup hierarchies`,
  );
  out.push('', table(rows), '', table(ratios), '', table(split));
  out.push('', `shape: keys only runc prints: ${onlyRunc.join(', ') || 'none'}; only runts prints: ${onlyRunts.join(', ') || 'none'}`);
  out.push('', `took ${((Date.now() - t0) / 1000).toFixed(0)} s; load average before ${loadBefore}, after ${loadavg()} (other work on the machine skews every row)`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ n: N, warmup: WARMUP, gap: GAP, stats: Object.fromEntries(s), onlyRunc, onlyRunts }, null, 2));
}

/** What this run could have left: state, runc's list, cgroups. */
function leftovers(): string[] {
  const left: string[] = [];
  for (const root of Object.values(ROOTS)) {
    if (!existsSync(root)) continue;
    const entries = readdirSync(root).filter((e) => e !== 'state.json');
    if (entries.length) left.push(`${root}: ${entries.join(' ')}`);
  }
  const cg = sh('find', ['/sys/fs/cgroup', '-name', ID]).stdout.trim();
  if (cg) left.push(`cgroups: ${cg.replaceAll('\n', ' ')}`);
  return left;
}

let failed = false;
try {
  await bench();
} catch (e) {
  failed = true;
  process.stderr.write(`bench/stats: ${(e as Error).stack ?? e}\n`);
} finally {
  if (started.runts) sh(RUNTS, ['--root', ROOTS.runts, 'delete', '--force', ID]);
  if (started.runc) sh(RUNC, ['--root', ROOTS.runc, 'delete', '--force', ID]);
  const left = leftovers();
  if (left.length) {
    failed = true;
    process.stderr.write(`bench/stats: LEFT BEHIND:\n  ${left.join('\n  ')}\n`);
  } else process.stderr.write('bench/stats: nothing left behind (state roots, cgroups)\n');
  rmSync(TMP, { recursive: true, force: true });
  rmSync(STATE, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
