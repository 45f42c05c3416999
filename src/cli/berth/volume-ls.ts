// berth volume ls [-q] [--filter K=V]... [--format F]: Docker's columns, sorted by name.

import { parseArgs } from '../args.ts';
import type { VolumeInfo } from '../../engine/berth.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import { render, type Row } from './format.ts';
import type { Context } from './context.ts';

const COLUMNS: [string, string][] = [['Driver', 'DRIVER'], ['Name', 'VOLUME NAME']];

function matches(v: VolumeInfo, filters: [string, string][]): boolean {
  const by = new Map<string, string[]>();
  for (const [k, val] of filters) by.set(k, [...(by.get(k) ?? []), val]);
  for (const [k, vals] of by) {
    const ok = vals.some((val) => {
      switch (k) {
        case 'name': return v.name.includes(val);
        case 'driver': return v.driver === val;
        case 'dangling': {
          if (!['true', 'false', '1', '0'].includes(val)) throw new InvalidArgumentError('--filter', `dangling: "${val}" is not true or false`);
          return (v.usedBy.length === 0) === (val === 'true' || val === '1');
        }
        case 'label': {
          const eq = val.indexOf('=');
          const lk = eq < 0 ? val : val.slice(0, eq);
          return lk in v.labels && (eq < 0 || v.labels[lk] === val.slice(eq + 1));
        }
        default: throw new InvalidArgumentError('--filter', `"${k}" is not a filter berth knows (name, driver, dangling, label)`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, [
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'filter', alias: 'f', type: 'multi' },
    { name: 'format', type: 'string' },
  ]);
  const filters = ((flags.filter as string[] | undefined) ?? []).map((f): [string, string] => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('--filter', `"${f}" is not KEY=VALUE`);
    return [f.slice(0, eq), f.slice(eq + 1)];
  });
  const berth = await ctx.engine();
  const vols = (await berth.volumes.list()).filter((v) => matches(v, filters));
  if (flags.quiet) {
    ctx.out(vols.map((v) => `${v.name}\n`).join(''));
    return 0;
  }
  const rows: Row[] = vols.map((v) => ({
    Availability: 'N/A', Driver: v.driver, Group: 'N/A',
    Labels: Object.entries(v.labels).map(([k, val]) => `${k}=${val}`).join(','),
    Links: String(v.usedBy.length), Mountpoint: v.mountpoint, Name: v.name, Scope: 'local', Size: 'N/A', Status: 'N/A',
  }));
  ctx.out(render(flags.format as string | undefined, COLUMNS, rows));
  return 0;
}
