// berth run: create and start; in the foreground, attached to the monitor
// (output, stdin with -i, the terminal with -t: relay.ts) until the
// container exits, whose status becomes berth's, or the detach keys are typed.

import { ForegroundAttach } from '../../engine/containers/attach.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';
import { prepareOutputs, relay } from './relay.ts';
import { parseRunArgs } from './run-flags.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const req = parseRunArgs(argv);
  const berth = await ctx.engine();
  const onPull = req.quiet ? undefined : (image: string) => process.stderr.write(`Unable to find image '${image}' locally\n`);
  if (req.detach) {
    const id = await berth.run(req.config, { pull: req.pull, onPull });
    ctx.out(`${id}\n`);
    return 0;
  }
  const attach = new ForegroundAttach();
  let id: string;
  try {
    id = await berth.run(req.config, { pull: req.pull, onPull, monitorStarted: (dir) => (attach.monitorStarted(dir), prepareOutputs()), created: attach.created });
  } catch (e) {
    attach.close();
    throw e;
  }
  const stdin = !!req.config.openStdin;
  return relay(berth, id, attach.session!, { stdin, tty: !!req.config.tty, ...(stdin && { detachKeys: parseDetachKeys(DEFAULT_DETACH_KEYS) }) });
}
