import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const resume: Command = async (ctx, argv) => {
  const { args } = parseArgs(argv, []);
  await ctx.runtime().resume(oneId(args, 'resume'));
  return 0;
};
export default resume;
