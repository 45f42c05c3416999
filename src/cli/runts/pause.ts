import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const pause: Command = async (ctx, argv) => {
  const { args } = parseArgs(argv, []);
  await ctx.runtime().pause(oneId(args, 'pause'));
  return 0;
};
export default pause;
