// berth port CONTAINER [PRIVATE_PORT[/PROTO]]: the container's published
// ports. None can be published until networking lands: nothing to list, and
// a port asked for is not published.

import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length < 1 || args.length > 2) throw new UsageError('usage: berth port CONTAINER [PRIVATE_PORT[/PROTO]]');
  const berth = await ctx.engine();
  const ports = await berth.port(args[0], args[1]);
  ctx.out(ports.map((p) => `${p.privatePort}/${p.proto} -> ${p.hostIp}:${p.hostPort}\n`).join(''));
  return 0;
}
