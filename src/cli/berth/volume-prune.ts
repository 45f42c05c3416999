// berth volume prune [-a] [-f]: unused anonymous volumes, or with -a every unused volume.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { confirm, pruneReport } from './confirm.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'all', alias: 'a', type: 'bool' }, { name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length) throw new UsageError('usage: berth volume prune [-a] [-f]');
  const what = flags.all ? 'all local volumes' : 'anonymous local volumes';
  if (!flags.force && !confirm(ctx, `WARNING! This will remove ${what} not used by at least one container.`)) return 0;
  const berth = await ctx.engine();
  const r = await berth.volumes.prune({ all: !!flags.all });
  ctx.out(pruneReport([['Deleted Volumes', r.removed]], r.bytes));
  return 0;
}
