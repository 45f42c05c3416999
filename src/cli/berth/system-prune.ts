// berth system prune [-a] [--volumes] [-f]: stopped containers, unused
// anonymous volumes (with --volumes), dangling images (with -a, every image
// no container uses). Networks and build cache: berth keeps none.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { confirm, pruneReport } from './confirm.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'all', alias: 'a', type: 'bool' },
    { name: 'force', alias: 'f', type: 'bool' },
    { name: 'volumes', type: 'bool' },
  ]);
  if (args.length) throw new UsageError('usage: berth system prune [-a] [--volumes] [-f]');
  const warning = [
    'WARNING! This will remove:',
    '  - all stopped containers',
    ...(flags.volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
    flags.all ? '  - all images without at least one container associated to them' : '  - all dangling images',
    '',
  ].join('\n');
  if (!flags.force && !confirm(ctx, warning)) return 0;
  const berth = await ctx.engine();
  const r = await berth.prune({ all: !!flags.all, volumes: !!flags.volumes });
  ctx.out(pruneReport([['Deleted Containers', r.containers], ['Deleted Volumes', r.volumes], ['Deleted Images', r.images.map((n) => `untagged: ${n}`)]], r.bytes));
  return 0;
}
