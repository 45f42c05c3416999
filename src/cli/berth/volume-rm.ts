// berth volume rm [-f] VOLUME...: refused for a volume a container uses.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { forEach } from './each.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length < 1) throw new UsageError('usage: berth volume rm [-f] VOLUME...');
  const berth = await ctx.engine();
  return forEach(ctx, args, (name) => berth.volumes.remove(name, { force: !!flags.force }));
}
