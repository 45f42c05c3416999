// Bundles each CLI into one CommonJS file, build/<cli>.cjs, behind a small
// executable entry, build/runts and build/berth, whose #! line names the Node
// that runs this script. One file loads in about a millisecond where the
// module graph took ~20 ms, and the kernel starts Node directly: no launcher
// shell in between (bench/lifecycle measures both). The entry turns on V8's
// compile cache (build/.compile-cache) before it loads the bundle, which an
// entry of its own is needed for: a script's cache must be on before Node
// compiles it. Running each CLI once here fills the cache.

import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });
// The bundles carry no extension; without this, the repository's "type": "module" would make them ESM.
writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');

for (const cli of ['runts', 'berth']) {
  const entry = join(out, cli);
  const outfile = join(out, `${cli}.cjs`);
  buildSync({
    entryPoints: [join(root, 'src/cli', cli, 'bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'error',
    // src/ finds the executor next to itself through import.meta.url; the bundle lives in build/.
    banner: { js: `'use strict';\nconst __moduleUrl = require('node:url').pathToFileURL(__filename).href;` },
    define: { 'import.meta.url': '__moduleUrl' },
  });
  // The #! line takes one option: a young generation big enough that a run never
  // collects (the first scavenge cost 1-4 ms of a 60 ms `runts run`). A cache
  // directory this user may not write (a rootless run) only means no cache.
  writeFileSync(
    entry,
    [
      `#!${process.execPath} --min-semi-space-size=4`,
      `'use strict';`,
      `require('node:module').enableCompileCache?.(require('node:path').join(__dirname, '.compile-cache'));`,
      `require('./${cli}.cjs');`,
      '',
    ].join('\n'),
  );
  chmodSync(entry, 0o755);
  // Any command fills the cache: Node compiles the whole bundle as it loads it.
  spawnSync(entry, ['--help'], { stdio: 'ignore' });
}
