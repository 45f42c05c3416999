// berth cp [-a] [-L] CONTAINER:SRC DEST | SRC CONTAINER:DEST
// A path is in a container when it starts with a container's name or ID and
// a colon (a local path with a colon in it starts with / or ./, as Docker's).
// "-" for the host side is a tar stream: on standard output, or from
// standard input into a directory.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

/** CONTAINER:PATH split, or undefined for a host path. */
export function splitCpArg(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const i = arg.indexOf(':');
  if (i <= 0) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'archive', alias: 'a', type: 'bool' },
    { name: 'follow-link', alias: 'L', type: 'bool' },
    { name: 'quiet', alias: 'q', type: 'bool' },
  ]);
  const usage = 'usage: berth cp [-a] [-L] CONTAINER:SRC DEST|- | SRC|- CONTAINER:DEST';
  if (args.length !== 2) throw new UsageError(usage);
  const [from, to] = args.map(splitCpArg);
  if (!!from === !!to) throw new UsageError(`${usage}: exactly one of the two paths is in a container`);
  const opts = { archive: !!flags.archive, followLink: !!flags['follow-link'] };
  const berth = await ctx.engine();
  if (from && args[1] === '-') await berth.copyFromAsTar(from.container, from.path || '/', process.stdout, opts);
  else if (from) await berth.copyFrom(from.container, from.path || '/', args[1], opts);
  else if (args[0] === '-') await berth.copyTarTo(process.stdin, to!.container, to!.path || '/');
  else await berth.copyTo(args[0], to!.container, to!.path || '/', opts);
  return 0;
}
