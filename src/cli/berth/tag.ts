import { UsageError } from '../../oci/errors.ts';
import { tag } from '../../image/ops.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length !== 2) throw new UsageError('usage: berth tag SOURCE TARGET');
  await tag(ctx.service(), args[0], args[1]);
  return 0;
}
