// Times as the library takes them (a Date, nanoseconds since the epoch, or
// Docker's text: RFC 3339, a Unix timestamp, a duration ago) as nanoseconds.

import { parseTimeArg } from '../runtime/cri-log.ts';
import { InvalidArgumentError } from './errors.ts';

export type TimeArg = Date | bigint | string;

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function toNs(field: string, t: TimeArg | undefined, now = nowNs()): bigint | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'bigint') return t;
  if (t instanceof Date) {
    if (Number.isNaN(t.getTime())) throw new InvalidArgumentError(field, 'is an invalid Date');
    return BigInt(t.getTime()) * 1_000_000n;
  }
  try {
    return parseTimeArg(field, t, now);
  } catch (e) {
    throw new InvalidArgumentError(field, (e as Error).message.replace(new RegExp(`^${field}: `), ''));
  }
}
