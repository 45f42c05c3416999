// A container's health check as Docker defines it: the user's (--health-*)
// over the image's HEALTHCHECK, checked once, with Docker's defaults, and the
// command a probe runs.

import type { ImageHealthcheck } from '../../oci/image-spec.ts';
import type { HealthConfig } from '../config.ts';
import { InvalidArgumentError } from '../errors.ts';

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;

/** What a probe is run with, defaults filled in. */
export interface HealthSchedule {
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

function checkDuration(v: unknown, field: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new InvalidArgumentError(field, `${String(v)} is not a duration (milliseconds, 0 or more)`);
}

/** Docker's forms of Test: [] inherits the image's, ["NONE"] disables, ["CMD", exe, args...], ["CMD-SHELL", script]. */
export function checkHealth(h: HealthConfig, field = 'health'): HealthConfig {
  if (!h || typeof h !== 'object' || !Array.isArray(h.test) || h.test.some((a) => typeof a !== 'string')) throw new InvalidArgumentError(`${field}.test`, 'must be a list of strings');
  const [kind, ...rest] = h.test;
  if (kind === 'CMD-SHELL' && (rest.length !== 1 || !rest[0])) throw new InvalidArgumentError(`${field}.test`, 'CMD-SHELL takes exactly one non-empty script');
  if (kind === 'CMD' && (rest.length < 1 || !rest[0])) throw new InvalidArgumentError(`${field}.test`, 'CMD takes a program and its arguments');
  if (kind === 'NONE' && rest.length) throw new InvalidArgumentError(`${field}.test`, 'NONE takes nothing after it');
  if (kind !== undefined && !['CMD', 'CMD-SHELL', 'NONE'].includes(kind)) throw new InvalidArgumentError(`${field}.test`, `"${kind}" is not one of CMD, CMD-SHELL, NONE`);
  checkDuration(h.intervalMs, `${field}.intervalMs`);
  checkDuration(h.timeoutMs, `${field}.timeoutMs`);
  checkDuration(h.startPeriodMs, `${field}.startPeriodMs`);
  if (h.retries !== undefined && (!Number.isInteger(h.retries) || h.retries < 0)) throw new InvalidArgumentError(`${field}.retries`, `${String(h.retries)} is not a whole number`);
  return h;
}

/** The image's HEALTHCHECK in the engine's terms (nanoseconds to milliseconds), checked: it comes from a registry. */
export function imageHealth(h: ImageHealthcheck | undefined): HealthConfig | undefined {
  if (!h) return undefined;
  const ms = (ns: number | undefined, name: string) => {
    if (ns === undefined || ns === 0) return undefined;
    if (typeof ns !== 'number' || !Number.isFinite(ns) || ns < 0) throw new InvalidArgumentError(`image config Healthcheck.${name}`, `${String(ns)} is not a duration in nanoseconds`);
    return ns / 1e6;
  };
  const out: HealthConfig = { test: h.Test ?? [] };
  const interval = ms(h.Interval, 'Interval');
  const timeout = ms(h.Timeout, 'Timeout');
  const start = ms(h.StartPeriod, 'StartPeriod');
  if (interval !== undefined) out.intervalMs = interval;
  if (timeout !== undefined) out.timeoutMs = timeout;
  if (start !== undefined) out.startPeriodMs = start;
  if (h.Retries) out.retries = h.Retries;
  return checkHealth(out, 'image config Healthcheck');
}

/** Docker's merge: the container's test, else the image's; each unset (or zero) setting from the image. */
export function mergeHealth(own: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!own) return image;
  if (!image) return own;
  const out: HealthConfig = { test: own.test.length ? own.test : image.test };
  for (const k of ['intervalMs', 'timeoutMs', 'startPeriodMs', 'retries'] as const) {
    const v = own[k] || image[k];
    if (v) out[k] = v;
  }
  return out;
}

/** True when there is a check to run: a test, and not NONE. */
export function healthEnabled(h: HealthConfig | undefined): h is HealthConfig {
  return !!h && h.test.length > 0 && h.test[0] !== 'NONE';
}

export function healthSchedule(h: HealthConfig): HealthSchedule {
  return {
    intervalMs: h.intervalMs || DEFAULT_INTERVAL_MS,
    timeoutMs: h.timeoutMs || DEFAULT_TIMEOUT_MS,
    retries: h.retries || DEFAULT_RETRIES,
    startPeriodMs: h.startPeriodMs ?? 0,
  };
}

/** The probe's argv: CMD's own, CMD-SHELL's script under /bin/sh -c (Docker's default shell on Linux). */
export function probeArgs(h: HealthConfig): string[] {
  const [kind, ...rest] = h.test;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest[0]];
  if (kind === 'CMD') return rest;
  throw new InvalidArgumentError('health.test', 'there is no check to run');
}
