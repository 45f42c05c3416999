// What runtime-spec 1.3 lets a config ask for that runts cannot enforce yet.
// Asking for any of it is refused by name rather than dropped: a container
// whose NUMA memory policy silently vanished
// would run less confined than its owner asked, and nothing would say so
// (runc refuses in the same way, e.g. an AppArmor profile on a host without
// AppArmor). docs/design.md lists them; each leaves this file when it is done.

import { ConfigError } from './errors.ts';

const REFUSED = 'refused rather than ignored';

const PROCESS_FIELDS: Record<string, string> = {
  commandLine: 'is Windows\'s command line; on Linux the program is process.args',
};

const LINUX_FIELDS: Record<string, string> = {
  memoryPolicy: 'NUMA memory policies are not applied by runts yet',
};

/** The first field under v that asks for something (a number, true, a non-empty string), or undefined:
 * absent, null, false, "", [] and {} ask for nothing, and neither do objects made only of them. */
function firstRequest(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === false || v === '') return undefined;
  if (typeof v !== 'object') return field;
  for (const [k, x] of Object.entries(v)) {
    const found = firstRequest(x, Array.isArray(v) ? `${field}[${k}]` : `${field}.${k}`);
    if (found) return found;
  }
  return undefined;
}

function refuse(fields: Record<string, string>, obj: Record<string, unknown>, prefix: string): void {
  for (const [name, why] of Object.entries(fields))
    if (firstRequest(obj[name], name)) throw new ConfigError(`${prefix}.${name}`, `${why}: ${REFUSED}`);
}

/** Refuses a process (config.json's, or exec's) that asks for what runts does not enforce. */
export function refuseUnenforcedProcess(p: Record<string, unknown>): void {
  refuse(PROCESS_FIELDS, p, 'process');
}

/** Refuses the container-wide fields runts does not enforce (the process's go through refuseUnenforcedProcess). */
export function refuseUnenforced(spec: Record<string, unknown>): void {
  if (firstRequest(spec.vm, 'vm')) throw new ConfigError('vm', `runts runs containers, not virtual machines: ${REFUSED}`);
  const linux = (spec.linux ?? {}) as Record<string, unknown>;
  refuse(LINUX_FIELDS, linux, 'linux');
}
