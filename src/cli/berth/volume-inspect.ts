// berth volume inspect [--format F] NAME...: Docker's objects, as a JSON array.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { render } from './format.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'format', alias: 'f', type: 'string' }]);
  if (args.length < 1) throw new UsageError('usage: berth volume inspect [--format F] VOLUME...');
  const berth = await ctx.engine();
  const out: Record<string, unknown>[] = [];
  let code = 0;
  for (const name of args) {
    try {
      out.push(await berth.volumes.inspect(name));
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  const format = flags.format as string | undefined;
  if (format === undefined) ctx.out(`${JSON.stringify(out, null, 4)}\n`);
  else ctx.out(render(format, [], out.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])))));
  return code;
}
