// A probe's result folded into a container's health, by Docker's rules:
// a pass makes it healthy and resets the failing streak; a failure counts
// (unless it came within the start period while still starting) and makes it
// unhealthy once the streak reaches the retries; the last five results are
// kept, each output cut at 4096 bytes with "..." appended, as Docker cuts it.

import type { HealthState } from '../store/containers.ts';
import type { HealthSchedule } from './config.ts';

export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

export interface ProbeResult {
  /** RFC 3339. */
  start: string;
  end: string;
  /** The probe's status; -1 when it could not run or timed out. */
  exitCode: number;
  output: string;
}

export function initialHealth(): HealthState {
  return { status: 'starting', failingStreak: 0, log: [] };
}

/** The first MAX_OUTPUT_BYTES bytes of what the probe wrote, "..." after them if there was more. */
export function limitOutput(out: Buffer): string {
  if (out.length <= MAX_OUTPUT_BYTES) return out.toString('utf8');
  return `${out.subarray(0, MAX_OUTPUT_BYTES).toString('utf8')}...`;
}

export function applyResult(prev: HealthState, r: ProbeResult, s: Pick<HealthSchedule, 'retries' | 'startPeriodMs'>, startedAt: string): HealthState {
  let { status, failingStreak } = prev;
  if (r.exitCode === 0) {
    status = 'healthy';
    failingStreak = 0;
  } else if (!(status === 'starting' && Date.parse(r.start) < Date.parse(startedAt) + s.startPeriodMs)) {
    failingStreak++;
    if (failingStreak >= s.retries) status = 'unhealthy';
  }
  return { status, failingStreak, log: [...prev.log, r].slice(-MAX_LOG_ENTRIES) };
}

/** A duration as Go prints one (Docker's timeout message): 30s, 1.5s, 500ms, 1m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m${rest}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`;
}
