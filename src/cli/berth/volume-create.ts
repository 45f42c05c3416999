// berth volume create [--driver local] [--opt K=V]... [--label K=V]... [NAME]

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import type { Context } from './context.ts';
import { keyValues } from './run-flags.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'driver', alias: 'd', type: 'string' },
    { name: 'opt', alias: 'o', type: 'multi' },
    { name: 'label', type: 'multi' },
    { name: 'name', type: 'string' },
  ]);
  if (args.length > 1) throw new UsageError('usage: berth volume create [--driver local] [--opt type=T,device=D,o=O] [--label K=V] [NAME]');
  const name = args[0] ?? (flags.name as string | undefined);
  if (args[0] !== undefined && flags.name !== undefined && flags.name !== args[0]) throw new InvalidArgumentError('--name', `conflicts with the name given as an argument (${args[0]})`);
  // Docker's form is one KEY=VALUE an --opt, and o's value holds commas (o=size=10m,uid=1000); a
  // comma before another of the driver's keys also separates, so --opt type=tmpfs,device=tmpfs,o=size=10m is three.
  const opts = ((flags.opt as string[] | undefined) ?? []).flatMap((o) => o.split(/,(?=(?:type|device|o)=)/));
  for (const o of opts) if (!o.includes('=')) throw new InvalidArgumentError('--opt', `"${o}" is not KEY=VALUE`);
  const berth = await ctx.engine();
  const v = await berth.volumes.create({
    ...(name !== undefined && { name }),
    driver: (flags.driver as string | undefined) ?? 'local',
    options: keyValues('--opt', opts),
    labels: keyValues('--label', (flags.label as string[] | undefined) ?? []),
  });
  ctx.out(`${v.name}\n`);
  return 0;
}
