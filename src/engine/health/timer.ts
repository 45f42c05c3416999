// How a health check runs with no daemon: the container's monitor runs
// `berth healthcheck run ID` on the check's interval while the container
// runs (its timer: one probe at a time, a turn skipped while one goes), and
// that command probes and records (probe.ts).

import type { HealthConfig } from '../config.ts';
import { healthEnabled, healthSchedule } from './config.ts';

/** The monitor's timer option: an interval and an argv (absolute path first, no environment). */
export interface HealthTimer {
  intervalMs: number;
  command: string[];
}

export function healthTimer(berthCommand: string[], id: string, h: HealthConfig | undefined): HealthTimer | undefined {
  if (!healthEnabled(h)) return undefined;
  return { intervalMs: healthSchedule(h).intervalMs, command: [...berthCommand, 'healthcheck', 'run', id] };
}
