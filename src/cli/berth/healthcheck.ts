// berth healthcheck run CONTAINER (Podman's command): one probe of the
// container's health check, recorded as the monitor's timer records it.
// Exits 0 when the container is healthy; otherwise prints its status and exits 1.

import { UsageError } from '../../oci/errors.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run' || rest.length !== 1) throw new UsageError('usage: berth healthcheck run CONTAINER');
  const berth = await ctx.engine();
  const health = await berth.healthcheck(rest[0]);
  if (health.status === 'healthy') return 0;
  ctx.out(`${health.status}\n`);
  return 1;
}
