// berth attach [--detach-keys K] [--no-stdin] [--sig-proxy=false] CONTAINER:
// this terminal on a running container's stdio through its monitor, until it
// exits (its status) or the detach keys leave it running.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';
import { relay } from './relay.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'detach-keys', type: 'string' },
    { name: 'no-stdin', type: 'bool' },
    { name: 'sig-proxy', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError('usage: berth attach [--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] CONTAINER');
  const detachKeys = parseDetachKeys((flags['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
  const berth = await ctx.engine();
  const row = await berth.get(args[0]);
  const session = await berth.attach(row.id);
  const tty = !!row.config.tty;
  return relay(berth, row.id, session, {
    stdin: !flags['no-stdin'] && !!row.config.openStdin,
    tty,
    detachKeys,
    sigProxy: flags['sig-proxy'] === undefined ? !tty : !!flags['sig-proxy'],
  });
}
