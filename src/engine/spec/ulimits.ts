// --ulimit name=soft[:hard] as process.rlimits: Docker's names, -1 for
// unlimited, and a hard limit above the engine's own refused at create when
// the engine cannot raise it (without CAP_SYS_RESOURCE setrlimit would fail
// at start, inside the container's init).

import type { Rlimit } from '../../oci/spec.ts';
import type { Ulimit } from '../config.ts';
import { invalid } from './check.ts';
import type { HostFacts } from './host.ts';

/** Docker's (go-units') names. */
export const ULIMIT_NAMES: Record<string, string> = {
  as: 'RLIMIT_AS', core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE', nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME', sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK',
};

const UNLIMITED = 2n ** 64n - 1n;

const asLimit = (n: number): bigint => (n === -1 ? UNLIMITED : BigInt(n));
const text = (n: bigint) => (n === UNLIMITED ? 'unlimited' : String(n));

export function rlimitsSpec(ulimits: Ulimit[], host: HostFacts): Rlimit[] {
  const byType = new Map<string, Rlimit>();
  if (!Array.isArray(ulimits)) throw invalid('ulimits', '--ulimit', 'must be a list');
  ulimits.forEach((u, i) => {
    const field = `ulimits[${i}]`;
    const type = ULIMIT_NAMES[u?.name];
    if (!type) throw invalid(`${field}.name`, '--ulimit', `unknown limit "${u?.name}" (${Object.keys(ULIMIT_NAMES).join(', ')})`);
    for (const k of ['soft', 'hard'] as const)
      if (!Number.isSafeInteger(u[k]) || u[k] < -1) throw invalid(`${field}.${k}`, '--ulimit', `${u.name}: ${u[k]} is not a limit (a whole number, or -1 for unlimited)`);
    const soft = asLimit(u.soft);
    const hard = asLimit(u.hard);
    if (soft > hard) throw invalid(`${field}.soft`, '--ulimit', `${u.name}: the soft limit ${text(soft)} is above the hard limit ${text(hard)}`);
    const ours = host.hardLimit(type) ?? UNLIMITED;
    if (hard > ours && !host.canRaiseLimits())
      throw invalid(`${field}.hard`, '--ulimit', `${u.name}: the hard limit ${text(hard)} is above berth's own (${text(ours)}), which it cannot raise without CAP_SYS_RESOURCE`);
    // uint64 as decimal text: 2^64-1 is no double's.
    byType.set(type, { type, soft: soft > BigInt(Number.MAX_SAFE_INTEGER) ? String(soft) : Number(soft), hard: hard > BigInt(Number.MAX_SAFE_INTEGER) ? String(hard) : Number(hard) });
  });
  return [...byType.values()];
}
