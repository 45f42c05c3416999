import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { forEach } from './each.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }, { name: 'volumes', alias: 'v', type: 'bool' }]);
  if (args.length < 1) throw new UsageError('usage: berth rm [-f] [-v] CONTAINER...');
  const berth = await ctx.engine();
  return forEach(ctx, args, (ref) => berth.remove(ref, { force: !!flags.force, volumes: !!flags.volumes }));
}
