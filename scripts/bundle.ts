// Bundles each CLI into one executable CommonJS file, build/runts and
// build/berth, whose #! line names the Node that runs this script. One file
// loads in about a millisecond where the module graph took ~20 ms, and the
// kernel starts Node directly: no launcher shell in between (bench/lifecycle
// measures both).

import { buildSync } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });
// The bundles carry no extension; without this, the repository's "type": "module" would make them ESM.
writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');

for (const cli of ['runts', 'berth']) {
  const outfile = join(out, cli);
  buildSync({
    entryPoints: [join(root, 'src/cli', cli, 'bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'error',
    // src/ finds the executor next to itself through import.meta.url; the bundle lives in build/.
    // The #! line takes one option: a young generation big enough that a run never
    // collects (the first scavenge cost 1-4 ms of a 60 ms `runts run`).
    banner: { js: `#!${process.execPath} --min-semi-space-size=4\n'use strict';\nconst __moduleUrl = require('node:url').pathToFileURL(__filename).href;` },
    define: { 'import.meta.url': '__moduleUrl' },
  });
  chmodSync(outfile, 0o755);
}
