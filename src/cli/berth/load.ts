import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { load } from '../../image/archive.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'input', alias: 'i', type: 'string' },
    { name: 'name', type: 'string' },
  ]);
  if (args.length) throw new UsageError('usage: berth load [-i FILE] [--name NAME]');
  const names = await load(ctx.service(), (flags.input as string | undefined) ?? '-', { name: flags.name as string | undefined });
  ctx.out(names.map((n) => `Loaded image: ${n}\n`).join(''));
  return 0;
}
