import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length < 1) throw new UsageError('usage: berth wait CONTAINER...');
  const berth = await ctx.engine();
  for (const ref of args) ctx.out(`${await berth.wait(ref)}\n`);
  return 0;
}
