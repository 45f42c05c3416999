// runc's events: --stats prints the container's statistics once; otherwise
// stats every --interval and each OOM as it happens, until the container stops.

import { UsageError } from '../../oci/errors.ts';
import { encodeEvent } from '../../runtime/stats/types.ts';
import { parseArgs } from '../args.ts';
import { parseDuration } from '../duration.ts';
import type { Command } from './context.ts';
import { writeOut } from '../output.ts';

const events: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [
    { name: 'interval', type: 'string' },
    { name: 'stats', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError(`"events" requires exactly 1 argument, the container id (got ${args.length})`);
  const [id] = args;
  const intervalMs = flags.interval === undefined ? 5000 : parseDuration(flags.interval as string, '--interval');
  if (intervalMs <= 0) throw new UsageError(`--interval: ${flags.interval}: the interval must be greater than 0`);
  const runtime = ctx.runtime();
  if (flags.stats) {
    writeOut(encodeEvent({ type: 'stats', id, data: runtime.stats(id) }));
    return 0;
  }
  for await (const event of runtime.events(id, { intervalMs })) writeOut(encodeEvent(event));
  return 0;
};
export default events;
