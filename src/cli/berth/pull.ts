import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { parsePlatform } from '../../image/platform.ts';
import { pull } from '../../image/pull.ts';
import { closeAgents } from '../../image/registry/http.ts';
import type { Context } from './context.ts';
import { progressReporter } from './progress.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'platform', type: 'string' },
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'no-unpack', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError('usage: berth pull [--platform os/arch[/variant]] [--no-unpack] [-q] NAME[:TAG|@DIGEST]');
  const p = progressReporter(!!flags.quiet);
  try {
    const r = await pull(ctx.service(), args[0], {
      platform: flags.platform ? parsePlatform(flags.platform as string) : undefined,
      unpack: !flags['no-unpack'],
      progress: p.report,
    });
    p.done();
    ctx.out(flags.quiet ? `${r.name}\n` : `${r.name}: pulled ${r.target.digest}\n`);
    return 0;
  } finally {
    closeAgents();
  }
}
