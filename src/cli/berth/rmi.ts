import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length < 1) throw new UsageError('usage: berth rmi [-f] IMAGE...');
  // Through the engine: an image a container uses is refused there.
  const berth = await ctx.engine();
  const removed = await berth.removeImages(args, { force: !!flags.force });
  ctx.out(removed.map((n) => `Untagged: ${n}\n`).join(''));
  return 0;
}
