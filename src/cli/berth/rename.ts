// berth rename CONTAINER NEW_NAME

import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length !== 2) throw new UsageError('usage: berth rename CONTAINER NEW_NAME');
  await (await ctx.engine()).rename(args[0], args[1]);
  return 0;
}
