// berth commit [-a AUTHOR] [-m MESSAGE] [-c INSTRUCTION]... [-p=false] CONTAINER [REPO[:TAG]]:
// the container's changes as a new image; prints its ID.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'author', alias: 'a', type: 'string' },
    { name: 'message', alias: 'm', type: 'string' },
    { name: 'change', alias: 'c', type: 'multi' },
    { name: 'pause', alias: 'p', type: 'bool' },
  ]);
  if (args.length < 1 || args.length > 2) throw new UsageError('usage: berth commit [-a AUTHOR] [-m MESSAGE] [-c INSTRUCTION]... [-p=false] CONTAINER [REPO[:TAG]]');
  const img = await (await ctx.engine()).commit(args[0], {
    ref: args[1],
    author: flags.author as string | undefined,
    message: flags.message as string | undefined,
    changes: flags.change as string[] | undefined,
    pause: flags.pause === undefined ? true : !!flags.pause,
  });
  ctx.out(`${img.id}\n`);
  return 0;
}
