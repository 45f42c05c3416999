// Go's time.ParseDuration, for flags that runc takes as Go durations
// (`events --interval 5s`, "1m30s", "250ms", "1.5h"). Milliseconds out.

import { UsageError } from '../oci/errors.ts';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The duration text names, in ms; a UsageError naming flag when it is not one. */
export function parseDuration(text: string, flag: string): number {
  const bad = () => new UsageError(`${flag}: invalid duration "${text}" (Go syntax: 300ms, 5s, 1m30s)`);
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  let rest = m[2];
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  while (rest) {
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part) throw bad();
    total += Number(part[1]) * UNIT_MS[part[2]];
    rest = rest.slice(part[0].length);
  }
  return sign * total;
}
