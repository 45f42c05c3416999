// runc's ps: the container's pids (--format json), or ps(1)'s table cut down
// to the container's rows (src/runtime/ps.ts).

import { UsageError } from '../../oci/errors.ts';
import { psRows } from '../../runtime/ps.ts';
import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';
import { writeOut } from '../output.ts';

const ps: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [{ name: 'format', alias: 'f', type: 'string' }]);
  const format = (flags.format as string | undefined) ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format: "${format}" is not table or json`);
  const pids = ctx.runtime().processes(oneId(args, 'ps'));
  if (format === 'json') {
    writeOut(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  writeOut(`${psRows(pids, args.slice(1)).join('\n')}\n`);
  return 0;
};
export default ps;
