import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';
import { writeOut } from '../output.ts';

const state: Command = async (ctx, argv) => {
  const { args } = parseArgs(argv, []);
  writeOut(`${JSON.stringify(ctx.runtime().state(oneId(args, 'state')), null, '  ')}\n`);
  return 0;
};
export default state;
