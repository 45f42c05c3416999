// Steps that turn the set-up process into the configured user process:
// rlimits, terminal, credentials, capabilities, cwd and the program lookup.

import { RLIMITS } from '../../oci/linux.ts';
import { seccompRequested } from '../../oci/seccomp.ts';
import type { LinuxSeccomp, Process } from '../../oci/spec.ts';
import { capMask } from '../capabilities.ts';
import { compileSeccompCached } from '../seccomp/compile.ts';
import { Op, step, type Step } from './ops.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Limits travel as decimal text (a validated uint64; 2^64-1 is RLIM_INFINITY). */
export function rlimitSteps(p: Process): Step[] {
  return (p.rlimits ?? []).map((r) => step(Op.SETRLIMIT, RLIMITS[r.type], BigInt(r.soft).toString(), BigInt(r.hard).toString()));
}

export interface CredentialOptions {
  /** setgroups(2) is refused when a user namespace's setgroups is "deny". */
  setgroupsAllowed: boolean;
  /** The kernel's last capability (/proc/sys/kernel/cap_last_cap); names above it are left out. */
  lastCap?: number;
}

/** Credentials and capabilities, in the only order that works: bounding set
 * while CAP_SETPCAP is still held, ids with KEEPCAPS, then the other sets. */
export function credentialSteps(p: Process, opts: CredentialOptions): Step[] {
  const steps: Step[] = [];
  const caps = p.capabilities;
  const mask = (names?: string[]) => capMask(names, opts.lastCap);
  if (caps) {
    steps.push(step(Op.CAP_BOUND, mask(caps.bounding)));
    steps.push(step(Op.KEEPCAPS));
  }
  if (opts.setgroupsAllowed) steps.push(step(Op.SETGROUPS_LIST, ...(p.user.additionalGids ?? [])));
  steps.push(step(Op.SETGID, p.user.gid));
  steps.push(step(Op.SETUID, p.user.uid));
  if (caps) {
    steps.push(step(Op.CAPSET, mask(caps.effective), mask(caps.permitted), mask(caps.inheritable)));
    // The kernel raises an ambient capability only if it is permitted and
    // inheritable; runc skips the others, and so do we.
    const ambient = mask(caps.ambient) & mask(caps.inheritable) & mask(caps.permitted);
    if (ambient) steps.push(step(Op.AMBIENT, ambient));
  }
  if (p.noNewPrivileges) steps.push(step(Op.NO_NEW_PRIVS));
  return steps;
}

/** The seccomp filter's step and where it goes, as runc places it: with
 * noNewPrivileges, as late as possible, so that few of the runtime's own calls
 * meet it ("late", after the program is found, before the container is
 * reported created); without, loading a filter needs CAP_SYS_ADMIN, so it goes
 * "early", before the credentials and capabilities are dropped. */
export function seccompSteps(p: Process, seccomp: LinuxSeccomp | undefined): { early: Step[]; late: Step[] } {
  if (!seccomp || !seccompRequested(seccomp)) return { early: [], late: [] };
  const filter = compileSeccompCached(seccomp);
  const steps = [step(Op.SECCOMP, filter.program, filter.flags)];
  return p.noNewPrivileges ? { early: [], late: steps } : { early: steps, late: [] };
}

export function envPath(env: readonly string[] = []): string {
  const entry = env.findLast((e) => e.startsWith('PATH='));
  return entry ? entry.slice(5) : DEFAULT_PATH;
}

export function execSteps(p: Process): Step[] {
  const args = p.args ?? [];
  const env = p.env ?? [];
  return [step(Op.FIND_EXEC, args[0], envPath(env))];
}

export function finalExec(p: Process): Step {
  const args = p.args ?? [];
  return step(Op.EXEC, args.length, ...args, ...(p.env ?? []));
}
