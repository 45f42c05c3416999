// berth start [-a] [-i] CONTAINER...: with -a, attached as run is in the foreground.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { ForegroundAttach } from '../../engine/containers/attach.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';
import { prepareOutputs, relay } from './relay.ts';
import type { Context } from './context.ts';
import type { Berth } from '../../engine/berth.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'attach', alias: 'a', type: 'bool' },
    { name: 'interactive', alias: 'i', type: 'bool' },
    { name: 'all', type: 'bool' },
  ]);
  const berth = await ctx.engine();
  if (flags.all) return startAll(ctx, berth);
  if (args.length < 1) throw new UsageError('usage: berth start [-a] [-i] CONTAINER...');
  if (flags.attach || flags.interactive) {
    if (args.length > 1) throw new UsageError('berth start: you cannot attach to more than one container');
    const row = await berth.get(args[0]);
    const attach = new ForegroundAttach();
    try {
      await berth.start(row.id, { monitorStarted: (dir) => (attach.monitorStarted(dir), prepareOutputs()), created: attach.created });
    } catch (e) {
      attach.close();
      throw e;
    }
    const stdin = !!flags.interactive && !!row.config.openStdin;
    return relay(berth, row.id, attach.session!, { stdin, tty: !!row.config.tty, ...(stdin && { detachKeys: parseDetachKeys(DEFAULT_DETACH_KEYS) }) });
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

/**
 * The boot unit's command: every container whose policy brings it back after
 * a reboot (always; unless-stopped unless the user stopped it), as Docker's
 * daemon does when it starts. Reconciliation, which ran before this, has
 * already restarted those that were running; this starts the rest (stopped
 * always containers, restarts that failed). One that fails is reported and
 * the others still start.
 */
async function startAll(ctx: Context, berth: Berth): Promise<number> {
  let code = 0;
  for (const row of await berth.list({ all: true })) {
    const p = row.config.restart?.name;
    const wanted = p === 'always' || (p === 'unless-stopped' && !row.stoppedByUser);
    if (!wanted || row.startedAt === undefined || row.state === 'running' || row.state === 'paused') continue;
    try {
      await berth.start(row.id);
      ctx.out(`${row.name}\n`);
    } catch (e) {
      process.stderr.write(`berth: ${row.name}: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
