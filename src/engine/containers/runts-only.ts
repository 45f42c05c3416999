// What only runts in-process offers yet: exec, top and stats go through the
// runtime library (its exec plan, its cgroup records). A container on an OCI
// runtime binary (--runtime runc) is refused by name rather than half served.

import { ConflictError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';

export function requireRunts(row: ContainerRow, what: string): void {
  const r = row.config.runtime;
  if (r !== undefined && r !== 'runts') throw new ConflictError(`${what}: container ${row.name} runs on ${r}, and berth does ${what} only for containers on runts so far`);
}
