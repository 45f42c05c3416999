// ps(1) cut down to a container's processes: what `runts ps` and `berth top`
// print. Arguments go to ps as they are (default -ef), in an argv: no shell
// ever sees them.

import { RuntimeError } from '../oci/errors.ts';

/** The header and the rows of ps's output whose PID column is one of pids. */
export function containerRows(output: string, pids: number[]): string[] {
  const [header, ...rows] = output.split('\n');
  const column = header.split(/\s+/).filter(Boolean).indexOf('PID');
  if (column < 0) throw new RuntimeError('EPS', `ps output has no PID column: "${header.trim()}"`);
  const wanted = new Set(pids);
  const kept = rows.filter((row) => {
    const field = row.split(/\s+/).filter(Boolean)[column];
    if (field === undefined) return false;
    if (!/^\d+$/.test(field)) throw new RuntimeError('EPS', `ps output: "${field}" in the PID column is not a pid`);
    return wanted.has(Number(field));
  });
  return [header, ...kept];
}

/** ps run with psArgs (default -ef), its header and the rows of pids. */
export function psRows(pids: number[], psArgs: string[] = []): string[] {
  const args = psArgs.length ? psArgs : ['-ef'];
  const r = process.getBuiltinModule('node:child_process').spawnSync('ps', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new RuntimeError('EPS', `cannot run ps: ${r.error.message}`);
  if (r.status !== 0) throw new RuntimeError('EPS', `ps ${args.join(' ')} exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  return containerRows(r.stdout, pids);
}
