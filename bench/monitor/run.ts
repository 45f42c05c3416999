// Monitor memory benchmark (issue 18, "Container monitor"): the resident and
// anonymous memory of the process that supervises one idle container, from
// /proc/<pid>/smaps_rollup:
//   runts-monitor  the library's run with `monitor` (native/monitor)
//   conmon         Debian's, under podman run -d (runc as its runtime)
//
//   .toolchain/node/bin/node bench/monitor/run.ts [--n 3] [--idle 1000] [--runs 20]
//
// Also what the monitor adds to a container's life: the library's
// run+exit+delete of a busybox `true`, with and without `monitor`, --runs
// each, interleaved, after a 50 ms idle gap each (bench/README.md, lifecycle).
// State roots and monitor directories (logs included) are on tmpfs under /run.
//
// --n idle containers per supervisor, each measured after --idle ms without
// output (`sleep 3600`), while all of them run. As root. Podman's storage and
// run dirs go under a temp dir; what it keeps elsewhere (/run/containers,
// conmon's cgroup under /libpod_parent) is removed after, when it was not
// there before. The run fails if anything is left behind.

import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import type { MonitorRecord } from '../../src/runtime/monitor.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { type Memory, median, memoryOf, option, table } from '../common.ts';
import { leftoverRemover } from '../engines.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const N = option('n', 3, 1);
const IDLE = option('idle', 1000, 1);
const RUNS = option('runs', 20, 1);

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-monitor-'));
const STATE = mkdtempSync('/run/berth-bench-monitor-');
const BUNDLE = join(TMP, 'bundle');
const ROOTFS = join(BUNDLE, 'rootfs');
const TRUE_BUNDLE = join(TMP, 'true');
const removePodmanLeftovers = leftoverRemover('libpod_parent', '/run/containers');

function sh(cmd: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}


/** run+exit+delete of `true`, ms, with and without a monitor, interleaved. */
async function lifecycle(rt: Runtime): Promise<{ plain: number[]; monitored: number[] }> {
  const out = { plain: [] as number[], monitored: [] as number[] };
  writeFileSync(join(TRUE_BUNDLE, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(BUNDLE, 'config.json'), 'utf8')), root: { path: ROOTFS }, process: { ...defaultSpec().process, terminal: false, args: ['true'] } }));
  for (let i = 0; i < RUNS + 2; i++) {
    for (const kind of i % 2 ? (['plain', 'monitored'] as const) : (['monitored', 'plain'] as const)) {
      await new Promise((r) => setTimeout(r, 50));
      const id = `benchmonlc${process.pid}-${kind}-${i}`;
      const t0 = performance.now();
      const c = await rt.run(id, kind === 'plain' ? { bundle: TRUE_BUNDLE, wait: true, stdio: ['ignore', 'ignore', 'ignore'] } : { bundle: TRUE_BUNDLE, wait: true, monitor: { dir: join(STATE, `lc-${i}`) } });
      await c.exit;
      await rt.delete(id);
      // The first two rounds warm up.
      if (i >= 2) out[kind].push(performance.now() - t0);
    }
  }
  return out;
}

function buildBundle(): void {
  mkdirSync(join(ROOTFS, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(ROOTFS, d));
  copyFileSync('/bin/busybox', join(ROOTFS, 'bin/busybox'));
  mkdirSync(TRUE_BUNDLE);
  for (const a of ['sh', 'sleep', 'true']) symlinkSync('busybox', join(ROOTFS, 'bin', a));
  const spec = defaultSpec();
  spec.process!.terminal = false;
  spec.process!.args = ['sleep', '3600'];
  writeFileSync(join(BUNDLE, 'config.json'), JSON.stringify(spec));
}

const PODMAN_BASE = [
  '--root', join(TMP, 'podman/storage'), '--runroot', join(TMP, 'podman/run'), '--tmpdir', join(TMP, 'podman/tmp'),
  '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', '--runtime', 'runc',
];

function podman(args: string[]): SpawnSyncReturns<string> {
  return sh('podman', [...PODMAN_BASE, ...args]);
}

async function runtsMonitors(rt: Runtime): Promise<{ ids: string[]; monitors: MonitorRecord[] }> {
  const ids: string[] = [];
  const monitors: MonitorRecord[] = [];
  for (let i = 0; i < N; i++) {
    const id = `benchmon${process.pid}-${i}`;
    const c = await rt.run(id, { bundle: BUNDLE, monitor: { dir: join(STATE, `mon-${i}`) } });
    ids.push(id);
    monitors.push(c.monitor!);
  }
  return { ids, monitors };
}

function conmons(): { names: string[]; pids: number[] } {
  const names: string[] = [];
  const pids: number[] = [];
  for (let i = 0; i < N; i++) {
    const name = `benchmon${process.pid}-${i}`;
    must(podman(['run', '-d', '--name', name, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'none', '--rootfs', ROOTFS, 'sleep', '3600']), 'podman run');
    names.push(name);
    pids.push(Number(must(podman(['inspect', '--format', '{{.State.ConmonPid}}', name]), 'podman inspect').trim()));
  }
  return { names, pids };
}

const mib = (kib: number) => (kib / 1024).toFixed(2);

function row(name: string, ms: Memory[]): string[] {
  return [name, mib(median(ms.map((m) => m.rss))), mib(median(ms.map((m) => m.pss))), mib(median(ms.map((m) => m.anon))), String(ms.length)];
}

async function cleanUpPodman(): Promise<void> {
  for (const name of podman(['ps', '-aq']).stdout.split('\n').filter(Boolean)) podman(['rm', '-f', '-t', '0', name]);
  await removePodmanLeftovers();
  const overlay = join(TMP, 'podman/storage/overlay');
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${overlay} `)) sh('umount', ['-l', overlay]);
}

buildBundle();
const rt = new Runtime({ root: join(STATE, 'runts') });
let ours: Memory[] = [];
let theirs: Memory[] = [];
const ids: string[] = [];
let conmonVersion = '';
let times = { plain: [] as number[], monitored: [] as number[] };
let left: string[] = [];
try {
  const r = await runtsMonitors(rt);
  ids.push(...r.ids);
  const c = conmons();
  await new Promise((done) => setTimeout(done, IDLE));
  ours = r.monitors.map((m) => memoryOf(m.pid));
  theirs = c.pids.map(memoryOf);
  conmonVersion = sh('conmon', ['--version']).stdout.split('\n')[0];
  for (const id of ids.splice(0)) await rt.delete(id, true);
  times = await lifecycle(rt);
} finally {
  try {
    for (const id of ids) await rt.delete(id, true);
    await rt.close();
  } finally {
    await cleanUpPodman();
  }
  const roots = join(STATE, 'runts');
  left = existsSync(roots) ? readdirSync(roots) : [];
  left.push(...readdirSync(STATE).filter((d) => d.startsWith('mon-') || d.startsWith('lc-')));
  rmSync(TMP, { recursive: true, force: true });
  rmSync(STATE, { recursive: true, force: true });
}

console.log(`idle supervisor per container, ${N} each, after ${IDLE} ms idle (medians; MiB from /proc/<pid>/smaps_rollup)`);
console.log(table([['supervisor', 'RSS', 'PSS', 'anonymous', 'n'], row('runts-monitor', ours), row(`conmon (${conmonVersion})`, theirs)]));
const ms = (xs: number[]) => median(xs).toFixed(2);
console.log(`\nlibrary run+exit+delete of busybox true, ${RUNS} each, interleaved, 50 ms gap (median ms)`);
console.log(table([['path', 'median', 'p90'], ['without monitor', ms(times.plain), [...times.plain].sort((a, b) => a - b)[Math.floor(times.plain.length * 0.9)].toFixed(2)], ['with monitor', ms(times.monitored), [...times.monitored].sort((a, b) => a - b)[Math.floor(times.monitored.length * 0.9)].toFixed(2)]]));
if (left.length) throw new Error(`left behind: ${left.join(' ')}`);
