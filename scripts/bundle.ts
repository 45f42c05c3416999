// Bundles each CLI into one CommonJS file, build/<cli>.cjs, and makes the
// executable the kernel starts, build/runts and build/berth:
//
// - Bun's compiled executable of that bundle with its bytecode (`bun build
//   --compile --bytecode`), where setup installed Bun from the npm registry
//   (an optional dependency, for the architectures Bun ships). It starts a
//   command in about a third of Node's time (bench/cli measures both), and
//   every CLI call pays that: `berth run` starts two (the CLI, then the
//   monitor's exit command), a kubelet or containerd one runts per step.
// - Otherwise a small entry whose #! line names the Node that runs this
//   script. It turns on V8's compile cache (build/.compile-cache) before it
//   loads the bundle, which an entry of its own is needed for: a script's
//   cache must be on before Node compiles it. Running it once fills the cache.
//
// The Node entry is also written as build/<cli>-node, so the two can be
// compared on this host. The library is imported from src/ by Node either way.

import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });
// The bundles carry no extension; without this, the repository's "type": "module" would make them ESM.
writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');

const BUN_PACKAGES: Record<string, string> = { x64: '@oven/bun-linux-x64', arm64: '@oven/bun-linux-aarch64' };
const bunPackage = BUN_PACKAGES[process.arch];
const bun = bunPackage && join(root, 'node_modules', bunPackage, 'bin', 'bun');
const haveBun = !!bun && existsSync(bun) && spawnSync(bun, ['--version'], { stdio: 'ignore' }).status === 0;

for (const cli of ['runts', 'berth']) {
  const nodeEntry = join(out, `${cli}-node`);
  const outfile = join(out, `${cli}.cjs`);
  buildSync({
    entryPoints: [join(root, 'src/cli', cli, 'bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'error',
    // src/ finds the executor next to itself through import.meta.dirname; the bundle lives in build/,
    // and so does Bun's executable (whose __dirname is where the bundle was when it was compiled).
    banner: { js: `'use strict';\nconst __moduleDir = typeof Bun === 'undefined' ? __dirname : require('node:path').dirname(process.execPath);` },
    define: { 'import.meta.dirname': '__moduleDir' },
  });
  // The #! line takes one option: a young generation big enough that a run never
  // collects (the first scavenge cost 1-4 ms of a 60 ms `runts run`). A cache
  // directory this user may not write (a rootless run) only means no cache.
  const nodeEntryText = [
    `#!${process.execPath} --min-semi-space-size=4`,
    `'use strict';`,
    `require('node:module').enableCompileCache?.(require('node:path').join(__dirname, '.compile-cache'));`,
    `require('./${cli}.cjs');`,
    '',
  ].join('\n');
  const entry = join(out, cli);
  for (const path of haveBun ? [nodeEntry] : [nodeEntry, entry]) {
    rmSync(path, { force: true });
    writeFileSync(path, nodeEntryText, { mode: 0o755 });
  }
  // Any command fills the cache: Node compiles the whole bundle as it loads it.
  spawnSync(nodeEntry, ['--help'], { stdio: 'ignore' });
  if (!haveBun) continue;
  // Compiled beside the target and renamed over it: a monitor may be starting the old one right now.
  // Bun's executables read .env and bunfig.toml from the working directory by default: a root
  // CLI run in a directory someone else writes would take its environment (RUNTS_HOST_ADDON...)
  // or a preload from there. Neither is read.
  const tmp = `${entry}.tmp`;
  const flags = ['--compile', '--bytecode', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--format=cjs'];
  const r = spawnSync(bun, ['build', ...flags, outfile, '--outfile', tmp], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bun build --compile ${outfile}: ${r.stderr || r.stdout}`);
  renameSync(tmp, entry);
}
