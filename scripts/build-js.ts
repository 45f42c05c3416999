// Strips the types from src/ into build/js/ so the CLIs start without
// Node's TypeScript loader (about 40 ms of start-up, measured in bench/).
// Same files, same lines: only type annotations become blanks and ".ts"
// import specifiers become ".js".

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const out = join(root, 'build', 'js');

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

rmSync(out, { recursive: true, force: true });
process.removeAllListeners('warning');
for (const file of tsFiles(src)) {
  const js = stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' }).replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
    '$1$2$3.js$2',
  );
  const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, js);
}
writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
writeFileSync(join(out, '.stamp'), '');
