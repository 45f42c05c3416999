// berth container prune [-f]: every container that is not running.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { confirm, pruneReport } from './confirm.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length) throw new UsageError('usage: berth container prune [-f]');
  if (!flags.force && !confirm(ctx, 'WARNING! This will remove all stopped containers.')) return 0;
  const berth = await ctx.engine();
  const r = await berth.pruneContainers();
  ctx.out(pruneReport([['Deleted Containers', r.removed]], r.bytes));
  return 0;
}
