// berth events: the event table read in order, and followed by polling it
// (no daemon to push events: every berth process appends to the same table).

import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineContext } from './context.ts';
import { InvalidArgumentError } from './errors.ts';
import type { EngineEvent } from './store/events.ts';
import { nowNs, type TimeArg, toNs } from './time.ts';

export const EVENT_FILTERS = ['type', 'container', 'event', 'image'] as const;
export type EventFilters = Partial<Record<(typeof EVENT_FILTERS)[number], string[]>>;

export interface EventQuery {
  /** Past events from this time on; without it, only events from now. */
  since?: TimeArg;
  /** Stop at this time (waiting for it if it is to come); without it, follow until the consumer stops. */
  until?: TimeArg;
  /** Docker's filters: each key any of its values, every key given. */
  filters?: EventFilters;
  /** How often the table is read for new events (default 100 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export function checkFilters(filters: EventFilters): void {
  for (const [k, vs] of Object.entries(filters)) {
    if (!(EVENT_FILTERS as readonly string[]).includes(k)) throw new InvalidArgumentError('filters', `"${k}" is not a filter berth knows (${EVENT_FILTERS.join(', ')})`);
    if (k === 'type') for (const v of vs ?? []) if (!['container', 'image', 'volume'].includes(v)) throw new InvalidArgumentError('filters', `type "${v}" is not one of container, image, volume`);
  }
}

export function matchesEvent(e: EngineEvent, filters: EventFilters): boolean {
  const test = (vs: string[] | undefined, ok: (v: string) => boolean) => !vs?.length || vs.some(ok);
  return test(filters.type, (v) => e.type === v) &&
    test(filters.event, (v) => e.action === v) &&
    test(filters.container, (v) => e.type === 'container' && (e.actor.startsWith(v) || e.attributes.name === v.replace(/^\//, ''))) &&
    test(filters.image, (v) => e.attributes.image === v || (e.type === 'image' && e.actor === v));
}

export async function* queryEvents(ctx: EngineContext, q: EventQuery = {}): AsyncGenerator<EngineEvent> {
  const now = nowNs();
  const since = toNs('since', q.since, now);
  const until = toNs('until', q.until, now);
  const filters = q.filters ?? {};
  checkFilters(filters);
  let seq = since === undefined ? ctx.events.lastSeq() : 0;
  for (;;) {
    for (const e of ctx.events.after(seq)) {
      seq = e.seq;
      if (until !== undefined && e.timeNs >= until) return;
      if ((since === undefined || e.timeNs >= since) && matchesEvent(e, filters)) yield e;
    }
    if ((until !== undefined && nowNs() >= until) || q.signal?.aborted) return;
    try {
      await sleep(q.pollMs ?? 100, undefined, { signal: q.signal });
    } catch {
      return;
    }
  }
}
