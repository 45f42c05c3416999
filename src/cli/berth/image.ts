// "berth image VERB": the management form of the image verbs.

import { UsageError } from '../../oci/errors.ts';
import type { Command, Context } from './context.ts';

const VERBS: Record<string, () => Promise<{ default: Command }>> = {
  ls: () => import('./images.ts'),
  list: () => import('./images.ts'),
  inspect: () => import('./inspect.ts'),
  prune: () => import('./prune.ts'),
  rm: () => import('./rmi.ts'),
  tag: () => import('./tag.ts'),
  pull: () => import('./pull.ts'),
  push: () => import('./push.ts'),
  save: () => import('./save.ts'),
  load: () => import('./load.ts'),
  import: () => import('./import.ts'),
  history: () => import('./history.ts'),
};

export default async function (ctx: Context, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const load = verb ? VERBS[verb] : undefined;
  if (!load) throw new UsageError(`usage: berth image {${Object.keys(VERBS).join('|')}} ...`);
  return (await load()).default(ctx, verb === 'inspect' ? ['--type', 'image', ...rest] : rest);
}
