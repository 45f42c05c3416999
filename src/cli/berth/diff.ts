// berth diff CONTAINER: Docker's A/C/D list of the container's changes.

import { UsageError } from '../../oci/errors.ts';
import { formatChanges } from '../../image/diff.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('usage: berth diff CONTAINER');
  ctx.out(formatChanges(await (await ctx.engine()).diff(args[0])));
  return 0;
}
