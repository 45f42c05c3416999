// berth rmi [-f] IMAGE...: through the engine, which refuses an image a
// container uses; each name on its own, going on past a failure as Docker's.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  if (args.length < 1) throw new UsageError('usage: berth rmi [-f] IMAGE...');
  const berth = await ctx.engine();
  let code = 0;
  for (const name of args) {
    try {
      const removed = await berth.removeImages([name], { force: !!flags.force });
      ctx.out(removed.map((n) => `Untagged: ${n}\n`).join(''));
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
