// berth container SUBCOMMAND: Docker's management form (ls, rm, inspect...),
// and `cleanup`, which the monitor runs as its exit command.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../oci/errors.ts';
import { CONTAINER_COMMANDS, type Loader } from './container-commands.ts';
import type { Context } from './context.ts';

const SUB: Record<string, Loader> = {
  ...CONTAINER_COMMANDS,
  ls: () => import('./ps.ts'),
  list: () => import('./ps.ts'),
  prune: () => import('./container-prune.ts'),
};

export default async function (ctx: Context, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'cleanup') {
    if (rest.length !== 1) throw new UsageError('usage: berth container cleanup ID');
    // A store removed while its container ran (a test's, a purge) is not made again by its exit.
    if (!existsSync(join(ctx.root, 'berth.db'))) return 0;
    const berth = await ctx.engine();
    try {
      await berth.cleanup(rest[0]);
    } catch (e) {
      // Run by the monitor with nobody to read stderr: a container removed meanwhile is no failure.
      if ((e as { kind?: string }).kind !== 'NotFound') throw e;
    }
    return 0;
  }
  const load = sub ? SUB[sub] : undefined;
  if (!load) throw new UsageError(`usage: berth container {${[...Object.keys(SUB), 'cleanup'].join('|')}} ...`);
  return (await load()).default(ctx, rest);
}
