// berth start [-a] [-i] CONTAINER...: with -a, attached as run is in the foreground.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { type AttachSession, openAttach } from '../../engine/containers/attach.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';
import { relay } from './relay.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'attach', alias: 'a', type: 'bool' },
    { name: 'interactive', alias: 'i', type: 'bool' },
    { name: 'all', type: 'bool' },
  ]);
  const berth = await ctx.engine();
  if (flags.all) {
    // The boot unit's: what was running when the machine went down (reconciliation restarts those with a policy).
    for (const row of await berth.list({ all: true })) {
      const p = row.config.restart?.name;
      if ((p === 'always' || (p === 'unless-stopped' && !row.stoppedByUser)) && row.state !== 'running') await berth.start(row.id);
    }
    return 0;
  }
  if (args.length < 1) throw new UsageError('usage: berth start [-a] [-i] CONTAINER...');
  if (flags.attach || flags.interactive) {
    if (args.length > 1) throw new UsageError('berth start: you cannot attach to more than one container');
    const row = await berth.get(args[0]);
    let session: AttachSession | undefined;
    await berth.start(row.id, { created: async (dir) => void (session = await openAttach(dir)) });
    const stdin = !!flags.interactive && !!row.config.openStdin;
    return relay(berth, row.id, session!, { stdin, tty: !!row.config.tty, ...(stdin && { detachKeys: parseDetachKeys(DEFAULT_DETACH_KEYS) }) });
  }
  let code = 0;
  for (const ref of args) {
    try {
      await berth.start(ref);
      ctx.out(`${ref}\n`);
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
