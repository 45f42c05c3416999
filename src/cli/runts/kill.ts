import { oneId, parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const kill: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [{ name: 'all', alias: 'a', type: 'bool' }]);
  ctx.runtime().kill(oneId(args, 'kill'), args[1] ?? 'SIGTERM', !!flags.all);
  return 0;
};
export default kill;
