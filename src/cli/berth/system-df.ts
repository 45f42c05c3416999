// berth system df [--format F]: Docker's table of images, containers, local
// volumes and build cache (berth has none), with what pruning would reclaim.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { humanSize, render, type Row } from './format.ts';
import type { Context } from './context.ts';

const COLUMNS: [string, string][] = [['Type', 'TYPE'], ['TotalCount', 'TOTAL'], ['Active', 'ACTIVE'], ['Size', 'SIZE'], ['Reclaimable', 'RECLAIMABLE']];

function row(type: string, items: { size: number; active: boolean }[]): Row {
  const size = items.reduce((n, i) => n + i.size, 0);
  const reclaim = items.filter((i) => !i.active).reduce((n, i) => n + i.size, 0);
  const pct = size ? Math.round((reclaim * 100) / size) : 0;
  return {
    Type: type, TotalCount: String(items.length), Active: String(items.filter((i) => i.active).length),
    Size: humanSize(size), Reclaimable: items.length && type !== 'Build Cache' ? `${humanSize(reclaim)} (${pct}%)` : humanSize(reclaim),
  };
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'format', type: 'string' }]);
  if (args.length) throw new UsageError('usage: berth system df [--format F]');
  const berth = await ctx.engine();
  const du = await berth.diskUsage();
  const live = (s: string) => s === 'running' || s === 'paused' || s === 'restarting';
  const rows = [
    row('Images', du.images.map((i) => ({ size: i.size, active: i.containers > 0 }))),
    row('Containers', du.containers.map((c) => ({ size: c.size, active: live(c.state) }))),
    row('Local Volumes', du.volumes.map((v) => ({ size: v.size, active: v.links > 0 }))),
    row('Build Cache', []),
  ];
  ctx.out(render(flags.format as string | undefined, COLUMNS, rows));
  return 0;
}
