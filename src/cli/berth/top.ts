// berth top CONTAINER [ps OPTIONS]: the container's processes, ps(1)'s columns.

import { UsageError } from '../../oci/errors.ts';
import { table } from './format.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length < 1 || args[0].startsWith('-')) throw new UsageError('usage: berth top CONTAINER [ps OPTIONS]');
  const berth = await ctx.engine();
  const top = await berth.top(args[0], args.slice(1));
  const columns = top.titles.map((t, i): [string, string] => [String(i), t]);
  ctx.out(table(columns, top.processes.map((cells) => Object.fromEntries(cells.map((c, i) => [String(i), c])))));
  return 0;
}
