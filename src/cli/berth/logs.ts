// berth logs [-f] [--since T] [--until T] [--tail N] [-t] CONTAINER: the
// library's logs, each line to stdout or stderr as the container wrote it.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { parseTail } from '../../runtime/cri-log.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'follow', alias: 'f', type: 'bool' },
    { name: 'since', type: 'string' },
    { name: 'until', type: 'string' },
    { name: 'tail', alias: 'n', type: 'string' },
    { name: 'timestamps', alias: 't', type: 'bool' },
    { name: 'details', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError('usage: berth logs [-f] [--since T] [--until T] [--tail N] [-t] CONTAINER');
  const berth = await ctx.engine();
  const lines = berth.logs(args[0], {
    follow: !!flags.follow,
    since: flags.since as string | undefined,
    until: flags.until as string | undefined,
    tail: flags.tail !== undefined ? parseTail(flags.tail as string) : undefined,
    timestamps: !!flags.timestamps,
  });
  for await (const l of lines) (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.output);
  return 0;
}
