// berth volume SUBCOMMAND: Docker's volume management (local driver).

import { UsageError } from '../../oci/errors.ts';
import type { Command, Context } from './context.ts';

const SUB: Record<string, () => Promise<{ default: Command }>> = {
  create: () => import('./volume-create.ts'),
  ls: () => import('./volume-ls.ts'),
  list: () => import('./volume-ls.ts'),
  inspect: () => import('./volume-inspect.ts'),
  rm: () => import('./volume-rm.ts'),
  remove: () => import('./volume-rm.ts'),
  prune: () => import('./volume-prune.ts'),
};

export default async function (ctx: Context, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const load = sub ? SUB[sub] : undefined;
  if (!load) throw new UsageError(`usage: berth volume {${Object.keys(SUB).join('|')}} ...`);
  return (await load()).default(ctx, rest);
}
