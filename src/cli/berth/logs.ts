// berth logs [-f] [--since T] [--until T] [--tail N] [-t] CONTAINER: from the
// CRI log the monitor writes, which outlives the monitor and this CLI.
// -f follows the file until the container stops.

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { formatLine, parseTail, parseTimeArg } from '../../runtime/cri-log.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'follow', alias: 'f', type: 'bool' },
    { name: 'since', type: 'string' },
    { name: 'until', type: 'string' },
    { name: 'tail', alias: 'n', type: 'string' },
    { name: 'timestamps', alias: 't', type: 'bool' },
    { name: 'details', type: 'bool' },
  ]);
  if (args.length !== 1) throw new UsageError('usage: berth logs [-f] [--since T] [--until T] [--tail N] [-t] CONTAINER');
  const now = BigInt(Date.now()) * 1_000_000n;
  const since = flags.since !== undefined ? parseTimeArg('--since', flags.since as string, now) : undefined;
  const until = flags.until !== undefined ? parseTimeArg('--until', flags.until as string, now) : undefined;
  const tail = flags.tail !== undefined ? parseTail(flags.tail as string) : undefined;
  const berth = await ctx.engine();
  const row = await berth.get(args[0]);
  const ts = !!flags.timestamps;
  const write = (l: { stream: string }, text: string) => (l.stream === 'stderr' ? process.stderr : process.stdout).write(text);
  let lines = await berth.logs(row.id, { since, until, tail });
  for (const l of lines) write(l, formatLine(l, ts));
  if (!flags.follow) return 0;
  // Follow: new lines are those after the last one shown (by time, then count at that time).
  let last = lines.at(-1)?.ns ?? since ?? 0n;
  let seenAtLast = lines.filter((l) => l.ns === last).length;
  for (;;) {
    const current = await berth.get(row.id).catch(() => undefined);
    const running = current?.state === 'running' || current?.state === 'paused' || current?.state === 'restarting';
    lines = (await berth.logs(row.id, { since: last, until })).filter((l) => l.ns >= last);
    const atLast = lines.filter((l) => l.ns === last);
    const fresh = [...atLast.slice(seenAtLast), ...lines.filter((l) => l.ns > last)];
    for (const l of fresh) write(l, formatLine(l, ts));
    if (fresh.length) {
      last = fresh.at(-1)!.ns;
      seenAtLast = lines.filter((l) => l.ns === last).length;
    }
    if (!running) return 0;
    await sleep(100);
  }
}
