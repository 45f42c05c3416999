// berth events [--since T] [--until T] [--filter K=V]... [--format F]: the
// event log, as Docker prints it; without --until it follows until SIGINT.

import { parseArgs } from '../args.ts';
import type { EventFilters } from '../../engine/events.ts';
import type { EngineEvent } from '../../engine/berth.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import { render } from './format.ts';
import type { Context } from './context.ts';

/** RFC 3339 with nanoseconds, UTC. */
export function eventTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** Docker's line: time, type, action, actor, (attributes sorted by key). */
export function eventLine(e: EngineEvent): string {
  const attrs = Object.keys(e.attributes).sort().map((k) => `${k}=${e.attributes[k]}`).join(', ');
  return `${eventTime(e.timeNs)} ${e.type} ${e.action} ${e.actor}${attrs ? ` (${attrs})` : ''}\n`;
}

/** Docker's event message (the API's, and `--format json`'s). */
export function eventMessage(e: EngineEvent): Record<string, unknown> {
  return {
    ...(e.type === 'container' && { status: e.action, id: e.actor, from: e.attributes.image ?? '' }),
    Type: e.type, Action: e.action, Actor: { ID: e.actor, Attributes: e.attributes }, scope: 'local',
    time: Number(e.timeNs / 1_000_000_000n), timeNano: Number(e.timeNs),
  };
}

export function parseFilters(list: string[]): EventFilters {
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('--filter', `"${f}" is not KEY=VALUE`);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return out;
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'since', type: 'string' },
    { name: 'until', type: 'string' },
    { name: 'filter', alias: 'f', type: 'multi' },
    { name: 'format', type: 'string' },
  ]);
  if (args.length) throw new InvalidArgumentError('events', `takes no arguments, got "${args[0]}"`);
  const format = flags.format as string | undefined;
  const berth = await ctx.engine();
  const stop = new AbortController();
  const onInt = () => stop.abort();
  process.once('SIGINT', onInt);
  try {
    for await (const e of berth.events({
      since: flags.since as string | undefined,
      until: flags.until as string | undefined,
      filters: parseFilters((flags.filter as string[] | undefined) ?? []),
      signal: stop.signal,
    })) {
      if (format === undefined) ctx.out(eventLine(e));
      else if (format === 'json') ctx.out(`${JSON.stringify(eventMessage(e))}\n`);
      else {
        const row = { Type: e.type, Action: e.action, Status: e.action, ID: e.actor, From: e.attributes.image ?? '', Time: String(e.timeNs / 1_000_000_000n), TimeNano: String(e.timeNs), Name: e.attributes.name ?? '' };
        ctx.out(render(format, [], [row]));
      }
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  return 0;
}
