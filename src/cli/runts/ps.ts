// runc's ps: the container's pids (--format json), or ps(1)'s table cut down
// to the container's rows. Arguments after the id go to ps as they are
// (default -ef), in an argv: no shell ever sees them.

import { spawnSync } from 'node:child_process';
import { RuntimeError, UsageError } from '../../oci/errors.ts';
import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

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

const ps: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [{ name: 'format', alias: 'f', type: 'string' }]);
  const format = (flags.format as string | undefined) ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format: "${format}" is not table or json`);
  const pids = ctx.runtime().processes(oneId(args, 'ps'));
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  const psArgs = args.length > 1 ? args.slice(1) : ['-ef'];
  const r = spawnSync('ps', psArgs, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new RuntimeError('EPS', `cannot run ps: ${r.error.message}`);
  if (r.status !== 0) throw new RuntimeError('EPS', `ps ${psArgs.join(' ')} exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  process.stdout.write(`${containerRows(r.stdout, pids).join('\n')}\n`);
  return 0;
};
export default ps;
