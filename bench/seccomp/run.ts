// Seccomp benchmark (issue 17, "Performance"): what Podman's default profile
// (the host's /usr/share/containers/seccomp.json, read at run time and turned
// into linux.seccomp as Podman does) costs runts.
//
//   .toolchain/node/bin/node bench/seccomp/run.ts [--n 30] [--gap 50] [--json FILE]
//
// - compile, cold: the first compile in a fresh Node process (its module
//   load apart), over --n processes;
// - compile, warm: the same profile compiled again and again in one process;
// - compile, cached: compileSeccompCached's hit (the key is the profile's text);
// - lifecycle: a busybox `true` run with the profile and without, by
//   `runts run` (CLI) and `runc run`, interleaved, each after --gap ms idle
//   (see bench/README.md), medians and ratios.
//
// As root. Everything lives in one temp dir (state roots under /run), removed at
// the end; the run fails if a container is left behind.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinuxSeccomp } from '../../src/oci/spec.ts';
import { compileSeccomp, compileSeccompCached } from '../../src/runtime/seccomp/compile.ts';
import { CONTAINERS_PROFILE, containersProfile } from '../../test/helpers/containers-seccomp.ts';
import { jsonOut, median, option } from '../common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = existsSync(join(REPO, '.toolchain/node/bin/node')) ? join(REPO, '.toolchain/node/bin/node') : process.execPath;
const RUNTS = join(REPO, 'build/runts');
const RUNC = '/usr/sbin/runc';

const N = Math.max(1, option('n', 30));
const GAP = option('gap', 50);
const JSON_OUT = jsonOut();

const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [what, path] of [['runc', RUNC], ['the runts CLI bundle', RUNTS], ['Podman\'s profile (golang-github-containers-common)', CONTAINERS_PROFILE]]) {
  if (!existsSync(path)) {
    process.stderr.write(`bench/seccomp: ${what} not found at ${path}: run scripts/setup\n`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench/seccomp: run as root (containers on the real kernel)\n');
  process.exit(2);
}

const TMP = mkdtempSync(join(tmpdir(), 'berth-bench-seccomp-'));
const STATE = mkdtempSync('/run/berth-bench-seccomp-');
const ROOTS = { runts: join(STATE, 'runts'), runc: join(STATE, 'runc') };
const PREFIX = `bsc${process.pid}`;

function bundle(name: string, seccomp?: LinuxSeccomp): string {
  const dir = join(TMP, name);
  mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'rootfs/bin/busybox'));
  symlinkSync('busybox', join(dir, 'rootfs/bin/true'));
  const spec = spawnSync(RUNTS, ['spec', '--bundle', dir], { encoding: 'utf8' });
  if (spec.status !== 0) throw new Error(`runts spec: ${spec.stderr}`);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['true'];
  if (seccomp) config.linux.seccomp = seccomp;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

// The profile as Podman would give it a container with the default spec's capabilities.
const plain = bundle('plain');
const profile = containersProfile(JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8')).process.capabilities.bounding);
const filtered = bundle('filtered', profile);
const insns = compileSeccomp(profile).program.length / 8;

// ---- compile cost ------------------------------------------------------------

const childScript = `
const t0 = performance.now();
const { compileSeccomp } = await import(${JSON.stringify(join(REPO, 'src/runtime/seccomp/compile.ts'))});
const t1 = performance.now();
const sc = JSON.parse(process.argv[1]);
const t2 = performance.now();
compileSeccomp(sc);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ load: t1 - t0, compile: t3 - t2 }));
`;
const cold: number[] = [];
const loads: number[] = [];
for (let i = 0; i < N; i++) {
  const r = spawnSync(NODE, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', childScript, JSON.stringify(profile)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold compile: ${r.stderr}`);
  const { load, compile } = JSON.parse(r.stdout);
  cold.push(compile);
  loads.push(load);
}
for (let i = 0; i < 50; i++) compileSeccomp(profile);
const warm: number[] = [];
for (let i = 0; i < 200; i++) {
  const t0 = performance.now();
  compileSeccomp(profile);
  warm.push(performance.now() - t0);
}
compileSeccompCached(profile);
const cached: number[] = [];
for (let i = 0; i < 200; i++) {
  const copy = JSON.parse(JSON.stringify(profile));
  const t0 = performance.now();
  compileSeccompCached(copy);
  cached.push(performance.now() - t0);
}

// ---- lifecycle -----------------------------------------------------------------

const paths: { name: string; cmd: string; root: string; bundle: string }[] = [
  { name: 'runts run (CLI), no profile', cmd: RUNTS, root: ROOTS.runts, bundle: plain },
  { name: 'runts run (CLI), Podman\'s profile', cmd: RUNTS, root: ROOTS.runts, bundle: filtered },
  { name: 'runc run, no profile', cmd: RUNC, root: ROOTS.runc, bundle: plain },
  { name: 'runc run, Podman\'s profile', cmd: RUNC, root: ROOTS.runc, bundle: filtered },
];
const samples = new Map(paths.map((p) => [p.name, [] as number[]]));
let seq = 0;
function once(p: (typeof paths)[number]): number {
  const id = `${PREFIX}-${seq++}`;
  const t0 = performance.now();
  const r = spawnSync(p.cmd, ['--root', p.root, 'run', '--bundle', p.bundle, id], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${p.name}: exit ${r.status}: ${r.stderr}`);
  return t;
}

try {
  for (const p of paths) for (let i = 0; i < 3; i++) once(p);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < paths.length; k++) {
      const p = paths[(i + k) % paths.length];
      await sleep(GAP);
      samples.get(p.name)!.push(once(p));
    }
  }
} finally {
  for (const root of Object.values(ROOTS)) {
    const left = existsSync(root) ? readdirSync(root).filter((n) => n.startsWith(PREFIX)) : [];
    for (const id of left) spawnSync(root === ROOTS.runc ? RUNC : RUNTS, ['--root', root, 'delete', '--force', id]);
  }
  rmSync(TMP, { recursive: true, force: true });
}
const leftover = Object.values(ROOTS).flatMap((root) => (existsSync(root) ? readdirSync(root).filter((n) => n.startsWith(PREFIX)) : []));
rmSync(STATE, { recursive: true, force: true });
if (leftover.length) throw new Error(`containers left behind: ${leftover.join(', ')}`);

// ---- report --------------------------------------------------------------------

const med = (name: string) => median(samples.get(name)!);
const out = [
  `Podman's default profile (${CONTAINERS_PROFILE}): ${profile.syscalls!.length} rules, ${insns} BPF instructions`,
  '',
  `compile, cold (first in a fresh process, n=${N})   median ${fmt(median(cold), 3)} ms   (module load ${fmt(median(loads), 2)} ms apart)`,
  `compile, warm (n=200)                            median ${fmt(median(warm), 3)} ms`,
  `compile, cached hit (n=200)                      median ${fmt(median(cached), 3)} ms`,
  '',
  `lifecycle: busybox true, n=${N} each, interleaved, ${GAP} ms idle before each`,
  ...paths.map((p) => `  ${p.name.padEnd(36)} median ${fmt(med(p.name)).padStart(7)} ms`),
  `  the profile's cost: runts ${fmt(med(paths[1].name) - med(paths[0].name))} ms, runc ${fmt(med(paths[3].name) - med(paths[2].name))} ms`,
  `  runts / runc with the profile: ${fmt(med(paths[1].name) / med(paths[3].name))}x (without: ${fmt(med(paths[0].name) / med(paths[2].name))}x)`,
];
process.stdout.write(`${out.join('\n')}\n`);
if (JSON_OUT)
  writeFileSync(JSON_OUT, JSON.stringify({ insns, compile: { cold: median(cold), load: median(loads), warm: median(warm), cached: median(cached) }, lifecycle: Object.fromEntries(paths.map((p) => [p.name, med(p.name)])) }, null, 2));
