// berth export [-o FILE] CONTAINER: the container's filesystem as a tar, to
// FILE or to stdout (never to a terminal, as Docker refuses).

import { createWriteStream, rmSync } from 'node:fs';
import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { hostCalls } from '../../native/host.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'output', alias: 'o', type: 'string' }]);
  if (args.length !== 1) throw new UsageError('usage: berth export [-o FILE] CONTAINER');
  const file = flags.output as string | undefined;
  if (file === undefined && hostCalls().isatty(1)) throw new UsageError('export: refusing to write a tar to a terminal: use -o FILE or redirect the output');
  const berth = await ctx.engine();
  const row = await berth.get(args[0]);
  if (file === undefined) {
    await berth.export(row.id, process.stdout);
    return 0;
  }
  try {
    await berth.export(row.id, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
  return 0;
}
