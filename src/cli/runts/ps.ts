import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const ps: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [{ name: 'format', alias: 'f', type: 'string' }]);
  const pids = ctx.runtime().processes(oneId(args, 'ps'));
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(pids)}\n` : `PID\n${pids.map((p) => `${p}\n`).join('')}`);
  return 0;
};
export default ps;
