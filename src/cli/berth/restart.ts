import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import { forEach } from './each.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'time', alias: 't', type: 'string' }]);
  if (args.length < 1) throw new UsageError('usage: berth restart [-t SECONDS] CONTAINER...');
  const t = flags.time as string | undefined;
  if (t !== undefined && !/^\d+$/.test(t)) throw new InvalidArgumentError('--time', `"${t}" is not a whole number of seconds`);
  const berth = await ctx.engine();
  return forEach(ctx, args, (ref) => berth.restart(ref, t !== undefined ? { timeout: Number(t) } : {}));
}
