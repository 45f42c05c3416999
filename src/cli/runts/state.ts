import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const state: Command = async (ctx, argv) => {
  const { args } = parseArgs(argv, []);
  process.stdout.write(`${JSON.stringify(ctx.runtime().state(oneId(args, 'state')), null, '  ')}\n`);
  return 0;
};
export default state;
