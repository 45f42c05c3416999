// Steps for the scheduling fields: scheduler, I/O priority and personality
// (run by the process itself before it drops its capabilities), and an exec's
// CPU affinity (set by stage 1 around its cgroup join).

import { IOPRIO_CLASSES, parseCpuList, PERSONALITY_DOMAINS, SCHED_FLAGS, SCHED_POLICIES } from '../../oci/sched.ts';
import type { Personality, Process } from '../../oci/spec.ts';
import { Op, step, type Step } from './ops.ts';

/** IOPRIO_PRIO_VALUE(class, data). */
export function ioprioValue(p: NonNullable<Process['ioPriority']>): number {
  return (IOPRIO_CLASSES[p.class] << 13) | p.priority;
}

/** runc's order: scheduler, I/O priority, personality. */
export function schedulingSteps(p: Process, personality?: Personality): Step[] {
  const steps: Step[] = [];
  const s = p.scheduler;
  if (s) {
    const flags = (s.flags ?? []).reduce((f, name) => f | SCHED_FLAGS[name], 0);
    steps.push(step(Op.SCHED_SETATTR, SCHED_POLICIES[s.policy], flags, s.nice ?? 0, s.priority ?? 0, s.runtime ?? 0, s.deadline ?? 0, s.period ?? 0));
  }
  if (p.ioPriority) steps.push(step(Op.IOPRIO_SET, ioprioValue(p.ioPriority)));
  if (personality) steps.push(step(Op.PERSONALITY, PERSONALITY_DOMAINS[personality.domain]));
  return steps;
}

/** execCPUAffinity, for an exec (the spec leaves the init out): CPU lists as "0,1,5", "" for none. */
export function cpuAffinitySteps(p: Process): Step[] {
  const a = p.execCPUAffinity;
  const list = (text: string | undefined, field: string) => (text ? parseCpuList(text, field).join(',') : '');
  const [initial, final] = [list(a?.initial, 'process.execCPUAffinity.initial'), list(a?.final, 'process.execCPUAffinity.final')];
  return initial || final ? [step(Op.CPU_AFFINITY, initial, final)] : [];
}
