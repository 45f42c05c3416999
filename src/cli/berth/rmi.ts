import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { remove } from '../../image/ops.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length < 1) throw new UsageError('usage: berth rmi [-f] IMAGE...');
  const r = await remove(ctx.service(), args, !!flags.force);
  ctx.out(r.removed.map((n) => `Untagged: ${n}\n`).join(''));
  return 0;
}
