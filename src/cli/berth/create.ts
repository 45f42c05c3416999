import { parseRunArgs } from './run-flags.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const req = parseRunArgs(argv);
  const berth = await ctx.engine();
  const id = await berth.create(req.config, { pull: req.pull, onPull: req.quiet ? undefined : (i) => process.stderr.write(`Unable to find image '${i}' locally\n`) });
  ctx.out(`${id}\n`);
  return 0;
}
