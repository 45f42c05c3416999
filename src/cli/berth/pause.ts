// berth pause CONTAINER...: every process frozen (the cgroup freezer).

import { UsageError } from '../../oci/errors.ts';
import { forEach } from './each.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length < 1) throw new UsageError('usage: berth pause CONTAINER...');
  const berth = await ctx.engine();
  return forEach(ctx, args, (ref) => berth.pause(ref));
}
