import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const del: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  await ctx.runtime().delete(oneId(args, 'delete'), !!flags.force);
  return 0;
};
export default del;
