import { parseArgs } from '../args.ts';
import { list } from '../../image/ops.ts';
import type { Context } from './context.ts';

function human(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}kB` : `${n}B`;
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, [
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'format', type: 'string' },
  ]);
  const all = await list(ctx.service());
  if (flags.format === 'json') ctx.out(`${JSON.stringify(all, null, 2)}\n`);
  else if (flags.quiet) ctx.out(all.map((i) => `${i.digest}\n`).join(''));
  else {
    const rows = [['NAME', 'DIGEST', 'SIZE', 'CREATED'], ...all.map((i) => [i.name, i.digest.slice(0, 19), human(i.size), i.created])];
    const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    ctx.out(rows.map((r) => r.map((v, c) => v.padEnd(w[c])).join('   ').trimEnd()).join('\n') + '\n');
  }
  return 0;
}
