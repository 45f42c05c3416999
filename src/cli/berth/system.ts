// berth system {df|prune}.

import { UsageError } from '../../oci/errors.ts';
import type { Command, Context } from './context.ts';

const SUB: Record<string, () => Promise<{ default: Command }>> = {
  df: () => import('./system-df.ts'),
  prune: () => import('./system-prune.ts'),
};

export default async function (ctx: Context, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const load = sub ? SUB[sub] : undefined;
  if (!load) throw new UsageError(`usage: berth system {${Object.keys(SUB).join('|')}} ...`);
  return (await load()).default(ctx, rest);
}
