import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { forEach } from './each.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'signal', alias: 's', type: 'string' }]);
  if (args.length < 1) throw new UsageError('usage: berth kill [-s SIGNAL] CONTAINER...');
  const berth = await ctx.engine();
  return forEach(ctx, args, (ref) => berth.kill(ref, (flags.signal as string | undefined) ?? 'SIGKILL'));
}
