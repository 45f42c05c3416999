import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { push } from '../../image/push.ts';
import { closeAgents } from '../../image/registry/http.ts';
import type { Context } from './context.ts';
import { progressReporter } from './progress.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'chunk-size', type: 'string' },
  ]);
  if (args.length < 1 || args.length > 2) throw new UsageError('usage: berth push [--chunk-size BYTES] [-q] IMAGE [DESTINATION]');
  const p = progressReporter(!!flags.quiet);
  try {
    const r = await push(ctx.service(), args[0], args[1], { chunkSize: flags['chunk-size'] ? Number(flags['chunk-size']) : undefined, progress: p.report });
    p.done();
    ctx.out(`${r.name}: pushed ${r.digest}\n`);
    return 0;
  } finally {
    closeAgents();
  }
}
