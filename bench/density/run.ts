// Density benchmark (issue 18, "Performance"): --n idle containers (busybox
// `sleep`, forever) started one after another by each engine's CLI, detached:
// the total time, then the memory of what supervises each container, from
// /proc/<pid>/smaps_rollup as bench/monitor reads it (the parent of the
// container's init: berth's runts-monitor, conmon under podman,
// containerd-shim-runc-v2 under containerd and docker), and of the daemons
// the engine keeps. One engine at a time; its containers are removed (timed
// too) before the next starts.
//
//   .toolchain/node/bin/node bench/density/run.ts [--n 100] [--idle 2000] [--json FILE]
//
// Engines and storage as in bench/run (bench/engines.ts): private roots under
// one temp dir and one dir under /run, one local image, no network. As root.
// Everything made is removed at the end; the run fails if anything is left.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startImages } from '../../test/helpers/engine.ts';
import { jsonOut, type Memory, median, memoryOf, option, table } from '../common.ts';
import { type Engine, type Skipped, must, sh, startEngines, stopEngines } from '../engines.ts';

const N = option('n', 100, 1);
const IDLE = option('idle', 2000, 0);
const JSON_OUT = jsonOut();
const PREFIX = `benchdens${process.pid}`;

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/density: run as root (containers on the real kernel)\n');
  process.exit(2);
}

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-density-'));
const RUN = mkdtempSync('/run/bbd-');


function parentOf(pid: number): { ppid: number; comm: string } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return { ppid, comm: readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() };
}

interface Result {
  engine: string;
  supervisor: string;
  startTotalMs: number;
  startMedianMs: number;
  removeTotalMs: number;
  perContainer: Memory;
  supervisorsTotal: Memory;
  daemons: Memory;
  /** The command names of the inits' parents as found (runts-monitor's is its memfd's fd number). */
  found: string[];
}

async function measure(e: Engine): Promise<Result> {
  process.stderr.write(`${e.name}: starting ${N} containers\n`);
  const times: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = `${PREFIX}-${e.name}-${i}`;
    const t = performance.now();
    must(sh(...e.run('detach', id, ['sleep', 'inf'])), `${e.name} run -d`);
    times.push(performance.now() - t);
    ids.push(id);
  }
  const startTotalMs = performance.now() - t0;
  await sleep(IDLE);
  const supervisors = ids.map((id) => parentOf(e.initPid(id)));
  const mems = supervisors.map((s) => memoryOf(s.ppid));
  const daemonMems = e.daemons().map(memoryOf);
  const sum = (ms: Memory[]): Memory => ({ rss: ms.reduce((a, m) => a + m.rss, 0), pss: ms.reduce((a, m) => a + m.pss, 0), anon: ms.reduce((a, m) => a + m.anon, 0) });
  process.stderr.write(`${e.name}: removing them\n`);
  const r0 = performance.now();
  e.removeAll();
  const removeTotalMs = performance.now() - r0;
  return {
    engine: e.name,
    supervisor: e.supervisor,
    startTotalMs,
    startMedianMs: median(times),
    removeTotalMs,
    perContainer: { rss: median(mems.map((m) => m.rss)), pss: median(mems.map((m) => m.pss)), anon: median(mems.map((m) => m.anon)) },
    supervisorsTotal: sum(mems),
    daemons: sum(daemonMems),
    found: [...new Set(supervisors.map((s) => s.comm))],
  };
}

/** Mounts left under our dirs, deepest first. */
function ourMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m.startsWith(`${TMP}/`) || m.startsWith(`${RUN}/`))).reverse();
}

/** Processes whose command line names one of our dirs. */
function stragglers(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(TMP) || cmd.includes(RUN)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

let engines: Engine[] = [];
let skipped: Skipped[] = [];
const results: Result[] = [];
let left: string[] = [];
const images = await startImages();
try {
  ({ engines, skipped } = await startEngines({ tmp: TMP, run: RUN, image: images.busybox, registryHost: images.registry.host }));
  for (const e of engines) results.push(await measure(e));
} finally {
  await stopEngines(engines);
  await images.stop();
  for (let i = 0; stragglers().length && i < 500; i++) await sleep(10);
  left = [...ourMounts(), ...stragglers().map((p) => `process ${p}`)];
  for (const m of ourMounts()) sh('umount', ['-l', m]);
  rmSync(TMP, { recursive: true, force: true });
  rmSync(RUN, { recursive: true, force: true });
}

const mib = (kib: number) => (kib / 1024).toFixed(2);
const s = (ms: number) => (ms / 1000).toFixed(1);
console.log(`${N} idle containers (busybox sleep) started one after another by each CLI, detached; memory after ${IDLE} ms idle (MiB, smaps_rollup; per container: medians)`);
console.log(table([
  ['engine', 'supervisor', 'start total s', 'per start ms', 'rm all s', 'RSS', 'PSS', 'anon', 'sum RSS', 'daemons RSS'],
  ...results.map((r) => [
    r.engine, r.supervisor, s(r.startTotalMs), r.startMedianMs.toFixed(0), s(r.removeTotalMs),
    mib(r.perContainer.rss), mib(r.perContainer.pss), mib(r.perContainer.anon), mib(r.supervisorsTotal.rss), r.daemons.rss ? mib(r.daemons.rss) : '-',
  ]),
]));
for (const k of skipped) console.log(`skipped ${k.name}: ${k.why}`);
for (const e of engines) console.log(`${e.name}: ${e.version}`);
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ n: N, idleMs: IDLE, results, skipped, versions: Object.fromEntries(engines.map((e) => [e.name, e.version])) }, null, 2)}\n`);
if (left.length) throw new Error(`left behind: ${left.join(' ')}`);
