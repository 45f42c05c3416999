import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const start: Command = async (ctx, argv) => {
  const { args } = parseArgs(argv, []);
  await ctx.runtime().start(oneId(args, 'start'));
  return 0;
};
export default start;
