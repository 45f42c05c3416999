// The scheduling fields of runtime-spec 1.2/1.3: process.scheduler,
// process.ioPriority, process.execCPUAffinity and linux.personality. Their
// Linux ABI values, and their checks (called from validate.ts).

import { ConfigError } from './errors.ts';

/** sched_setattr(2) policies. SCHED_ISO (4) is reserved, never implemented by Linux. */
export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};

export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08, SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

export const REALTIME_POLICIES = ['SCHED_FIFO', 'SCHED_RR'];

export const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** personality(2) domains (PER_LINUX, PER_LINUX32). */
export const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** The highest CPU number a list may name (runc's limit). */
export const MAX_CPU = 8191;

/** The kernel's smallest SCHED_DEADLINE runtime (2^DL_SCALE ns). */
const DL_MIN_RUNTIME = 1024;

type Json = unknown;

function object(v: Json, field: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(field, 'must be an object');
  return v as Record<string, Json>;
}

function int(v: Json, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(field, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ConfigError(field, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function oneOf(v: Json, field: string, names: Record<string, number>): string {
  if (typeof v !== 'string' || !(v in names))
    throw new ConfigError(field, `unknown value ${JSON.stringify(v)} (valid: ${Object.keys(names).join(', ')})`);
  return v;
}

/** "0-3,7" -> [0, 1, 2, 3, 7]; throws naming field when malformed. */
export function parseCpuList(text: string, field: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new ConfigError(field, `"${text}" is not a CPU list such as "0-3,7"`);
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to > MAX_CPU) throw new ConfigError(field, `CPU ${to} is above ${MAX_CPU}`);
    if (from > to) throw new ConfigError(field, `range ${part.trim()} runs backwards`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

export function checkScheduler(v: Json, field: string): void {
  if (v === undefined) return;
  const s = object(v, field);
  if (s.policy === 'SCHED_ISO') throw new ConfigError(`${field}.policy`, 'SCHED_ISO is reserved and not implemented by Linux');
  const policy = oneOf(s.policy, `${field}.policy`, SCHED_POLICIES);
  if (s.nice !== undefined) int(s.nice, `${field}.nice`, -20, 19);
  const realtime = REALTIME_POLICIES.includes(policy);
  if (s.priority !== undefined) int(s.priority, `${field}.priority`, realtime ? 1 : 0, realtime ? 99 : 0);
  else if (realtime) throw new ConfigError(`${field}.priority`, `${policy} needs a priority from 1 to 99`);
  if (s.flags !== undefined) {
    if (!Array.isArray(s.flags)) throw new ConfigError(`${field}.flags`, 'must be an array');
    s.flags.forEach((f, i) => oneOf(f, `${field}.flags[${i}]`, SCHED_FLAGS));
  }
  const ns = (k: string) => (s[k] === undefined ? 0 : int(s[k], `${field}.${k}`, 0, Number.MAX_SAFE_INTEGER));
  const [runtime, deadline, period] = [ns('runtime'), ns('deadline'), ns('period')];
  if (policy !== 'SCHED_DEADLINE') return;
  // The kernel's own rules (__checkparam_dl), said by field rather than as EINVAL.
  if (runtime < DL_MIN_RUNTIME) throw new ConfigError(`${field}.runtime`, `SCHED_DEADLINE needs a runtime of at least ${DL_MIN_RUNTIME} ns`);
  if (deadline < runtime) throw new ConfigError(`${field}.deadline`, `must be at least the runtime (${runtime} ns)`);
  if (period !== 0 && period < deadline) throw new ConfigError(`${field}.period`, `must be at least the deadline (${deadline} ns), or 0`);
}

export function checkIoPriority(v: Json, field: string): void {
  if (v === undefined) return;
  const p = object(v, field);
  oneOf(p.class, `${field}.class`, IOPRIO_CLASSES);
  int(p.priority, `${field}.priority`, 0, 7);
}

export function checkCpuAffinity(v: Json, field: string): void {
  if (v === undefined) return;
  const a = object(v, field);
  for (const k of ['initial', 'final']) {
    const text = a[k];
    if (text === undefined || text === '') continue;
    if (typeof text !== 'string') throw new ConfigError(`${field}.${k}`, 'must be a string');
    parseCpuList(text, `${field}.${k}`);
  }
}

export function checkPersonality(v: Json, field: string): void {
  if (v === undefined) return;
  const p = object(v, field);
  oneOf(p.domain, `${field}.domain`, PERSONALITY_DOMAINS);
  if (p.flags === undefined || p.flags === null) return;
  if (!Array.isArray(p.flags)) throw new ConfigError(`${field}.flags`, 'must be an array');
  // runtime-spec 1.3 defines no flag; runc drops them with a warning, we refuse rather than ignore.
  if (p.flags.length) throw new ConfigError(`${field}.flags[0]`, `unknown flag ${JSON.stringify(p.flags[0])} (runtime-spec defines none)`);
}
