// The other way from encodeEvent: a `stats` event as runc (or crun, runsc)
// prints it for `events --stats`, read back into Stats with every counter a
// bigint of its exact digits (the reviver sees each number's source text).
// The engine reads a container's statistics this way when another OCI
// runtime runs it.

import type { Stats } from './types.ts';

/** Numbers that stay numbers: PSI averages, cpu and memory node lists, RDMA counts (uint32). */
const NOT_COUNTERS = new Set(['avg10', 'avg60', 'avg300', 'cpus', 'mems', 'hca_handles', 'hca_objects']);

/** Array elements are revived first, under their index: every integer becomes a bigint, and a list of numbers is turned back at its own key. */
function revive(key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number') return Number.isInteger(value) && !NOT_COUNTERS.has(key) ? BigInt(context?.source ?? value) : value;
  if (Array.isArray(value) && NOT_COUNTERS.has(key)) return value.map(Number);
  return value;
}

export function decodeStatsEvent(text: string): Stats {
  let event: unknown;
  try {
    event = JSON.parse(text, revive as Parameters<typeof JSON.parse>[1]);
  } catch (e) {
    throw new Error(`not a stats event: ${(e as Error).message}`);
  }
  const ev = event as { type?: unknown; data?: unknown };
  if (ev?.type !== 'stats' || typeof ev.data !== 'object' || ev.data === null) throw new Error(`not a stats event: ${text.slice(0, 200)}`);
  return ev.data as Stats;
}
