import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { save } from '../../image/archive.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'output', alias: 'o', type: 'string' }]);
  if (args.length < 1) throw new UsageError('usage: berth save [-o FILE] IMAGE...');
  const out = (flags.output as string | undefined) ?? '-';
  if (out === '-' && process.stdout.isTTY) throw new UsageError('refusing to write an archive to a terminal: use -o FILE or redirect');
  await save(ctx.service(), args, out);
  return 0;
}
