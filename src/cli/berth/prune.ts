import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { prune } from '../../image/ops.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'all', alias: 'a', type: 'bool' },
    // Accepted for scripts written for docker, which asks for confirmation without it; berth never asks.
    { name: 'force', alias: 'f', type: 'bool' },
  ]);
  if (args.length) throw new UsageError('usage: berth image prune [-a|--all] [-f]');
  const r = await prune(ctx.service(), { all: !!flags.all });
  ctx.out(r.removed.map((n) => `Untagged: ${n}\n`).join(''));
  ctx.out(`removed ${r.gc.blobs} blobs (${r.gc.bytes} bytes) and ${r.gc.snapshots} snapshots\n`);
  return 0;
}
