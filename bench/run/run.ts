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

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Berth } from '../../src/engine/berth.ts';
import { startImages } from '../../test/helpers/engine.ts';
import { jsonOut, ratio, option, stats, type Stats, table } from '../common.ts';
import { BERTH, type Engine, type Skipped, sh, startEngines, stopEngines } from '../engines.ts';

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

/** Wall time of one spawned command, in ms; it must exit 0. */
function timed(cmd: string, args: string[], what: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal} ${r.error?.message ?? r.stderr.trim()}`);
  return t;
}

/** Daemons the engines keep: their command lines name our dirs too, and they stay. */
let daemons = new Set<number>();

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

// ---- the library and the runtime library -----------------------------------

async function libraryRows(image: string, registryHost: string): Promise<{ rows: Row[]; stop(): Promise<void> }> {
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
  return {
    rows,
    async stop() {
      for (const r of await lib.list({ all: true })) await lib.remove(r.id, { force: true });
      for (const id of readdirSync(join(RUN, 'l/runtime')).filter((d) => d.startsWith(PREFIX))) await rt.delete(id, true).catch(() => {});
      lib.close();
    },
  };
}

const ROW_NAMES: Record<Engine['name'], string> = {
  berth: 'berth run --rm (CLI)',
  podman: 'podman run --rm',
  containerd: 'ctr run --rm',
  docker: 'docker run --rm',
};

function engineRow(e: Engine): Row {
  return { name: ROW_NAMES[e.name], once: async (i) => timed(...e.run('rm', `${PREFIX}-${i}`, ['true']), e.name) };
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

let engines: Engine[] = [];
let skipped: Skipped[] = [];
let library: Awaited<ReturnType<typeof libraryRows>> | undefined;
let results = new Map<Row, number[]>();
let left: string[] = [];
const images = await startImages();
const image = images.busybox;
try {
  process.stderr.write(`image ${image}; setting up the engines\n`);
  ({ engines, skipped } = await startEngines({ tmp: TMP, run: RUN, image, registryHost: images.registry.host }));
  daemons = new Set(engines.flatMap((e) => e.daemons()));
  library = await libraryRows(image, images.registry.host);
  results = await interleave([...engines.map(engineRow), ...library.rows]);
} finally {
  await settle();
  await library?.stop().catch((e) => process.stderr.write(`library: ${(e as Error).message}\n`));
  await stopEngines(engines);
  await images.stop();
  daemons.clear();
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
for (const e of engines) console.log(`${e.name}: ${e.version}`);
const cli = med('berth run --rm (CLI)');
const targets = [
  ['podman run / berth run (target >= 3x)', ratio(med('podman run --rm'), cli)],
  ['ctr run / berth run (target >= 2x)', ratio(med('ctr run --rm'), cli)],
  ['docker run / berth run', ratio(med('docker run --rm'), cli)],
  ['library / runtime library (target <= 2x)', ratio(med('library run+wait+remove'), med('runtime library run+exit+delete'))],
  ['library / runtime library with monitor', ratio(med('library run+wait+remove'), med('runtime library run+exit+delete, monitor'))],
];
console.log(`\n${table([['ratio', ''], ...targets])}`);
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ runs: RUNS, warmup: WARMUP, gap: GAP, load, image, figures, ratios: Object.fromEntries(targets), skipped, versions: Object.fromEntries(engines.map((e) => [e.name, e.version])) }, null, 2)}\n`);
if (left.length) throw new Error(`left behind: ${left.join(' ')}`);
