// berth history: docker's table (IMAGE CREATED CREATED BY SIZE COMMENT), -q,
// --no-trunc, --format json|table|TEMPLATE.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { imageHistory, type HistoryRow } from '../../image/history.ts';
import type { Context } from './context.ts';
import { ago, render, type Row } from './format.ts';

const USAGE = 'usage: berth history [--no-trunc] [-q] [--format json|table|TEMPLATE] IMAGE';

const COLUMNS: [string, string][] = [['ID', 'IMAGE'], ['CreatedSince', 'CREATED'], ['CreatedBy', 'CREATED BY'], ['Size', 'SIZE'], ['Comment', 'COMMENT']];
const HEADERS: [string, string][] = [...COLUMNS, ['CreatedAt', 'CREATED AT']];

/** docker's units.HumanSizeWithPrecision(n, 3): decimal units, three significant digits. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

function ellipsis(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : s;
}

/** A row's fields, in docker's JSON order (Go writes a map's keys sorted). */
function fields(r: HistoryRow, noTrunc: boolean): Row {
  const createdBy = r.createdBy.replace(/[\t\n]/g, ' ');
  const t = r.created ? Date.parse(r.created) : NaN;
  return {
    Comment: r.comment,
    CreatedAt: Number.isNaN(t) ? '' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    CreatedBy: noTrunc ? createdBy : ellipsis(createdBy, 45),
    CreatedSince: Number.isNaN(t) ? 'N/A' : ago(r.created),
    // docker's short ID: 12 hex digits without the algorithm.
    ID: noTrunc || !r.id.startsWith('sha256:') ? r.id : r.id.slice(7, 19),
    Size: humanSize(r.size),
  };
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'no-trunc', type: 'bool' },
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'format', type: 'string' },
    // docker's -H/--human (default true): sizes and times are always human here.
    { name: 'human', alias: 'H', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError(USAGE);
  const rows = (await imageHistory(ctx.service(), args[0])).map((r) => fields(r, !!flags['no-trunc']));
  const format = flags.quiet ? '{{.ID}}' : (flags.format as string | undefined);
  ctx.out(format === undefined || format === 'table' ? render('table', COLUMNS, rows) : render(format, HEADERS, rows));
  return 0;
}
