// The plan for `exec`: join every namespace and cgroup of a running
// container, become the configured process, exec.

import { ConfigError } from '../../oci/errors.ts';
import type { LinuxSeccomp, Namespace, Personality, Process } from '../../oci/spec.ts';
import { sessionKeyring } from './create.ts';
import { type LsmFacts, lsmExecSteps, NO_LSM } from './lsm.ts';
import { joinSteps } from './namespaces.ts';
import { Op, type Plan, step } from './ops.ts';
import { credentialSteps, execSteps, finalExec, rlimitSteps, seccompSteps } from './process.ts';
import { cpuAffinitySteps, schedulingSteps } from './sched.ts';

export interface ExecPlanInput {
  /** The container's id: its session keyring is joined unless it was created with noNewKeyring. */
  id: string;
  process: Process;
  /** The container's linux.personality, which its execs take too. */
  personality?: Personality;
  /** The container's namespaces, each with the path to join. */
  namespaces: Namespace[];
  /** Per cgroup, its cgroup.procs file, or files to try in turn while one refuses with EBUSY. */
  cgroupProcs: (string | readonly string[])[];
  mode: 'detach' | 'wait';
  consoleSocket?: string;
  terminalRelay?: boolean;
  noNewKeyring?: boolean;
  /** The container's user namespace denies setgroups(2) (made by a runtime running as a user). */
  setgroupsDenied?: boolean;
  /** The kernel's last capability (/proc/sys/kernel/cap_last_cap). */
  lastCap?: number;
  /** The host's LSMs; without, a label asked for is refused. */
  lsm?: LsmFacts;
  /** The container's filter: an exec'd process is held by it too, as in runc. */
  seccomp?: LinuxSeccomp;
}

/** As runc: what an exec's process leaves out of these comes from the container's process
 * (config.json's). Without it an exec given a process.json with no capabilities ran with all of root's. */
export function withContainerDefaults(p: Process, container: Process | undefined): Process {
  if (!container) return p;
  return {
    ...p,
    capabilities: p.capabilities ?? container.capabilities,
    rlimits: p.rlimits?.length ? p.rlimits : container.rlimits,
    ioPriority: p.ioPriority ?? container.ioPriority,
    scheduler: p.scheduler ?? container.scheduler,
    execCPUAffinity: p.execCPUAffinity ?? container.execCPUAffinity,
    apparmorProfile: p.apparmorProfile || container.apparmorProfile,
    selinuxLabel: p.selinuxLabel || container.selinuxLabel,
  };
}

export function buildExecPlan(input: ExecPlanInput): Plan {
  const p = input.process;
  if (p.terminal && !input.consoleSocket && !input.terminalRelay)
    throw new ConfigError('process.terminal', 'a terminal needs --console-socket (or a foreground exec)');
  if (input.setgroupsDenied && p.user.additionalGids?.length)
    throw new ConfigError('process.user.additionalGids', 'cannot be set: the container\'s user namespace denies setgroups');
  const plan: Plan = [step(Op.MODE, input.mode)];
  for (const procs of input.cgroupProcs) plan.push(step(Op.CGROUP_PROCS, ...(typeof procs === 'string' ? [procs] : procs)));
  plan.push(...cpuAffinitySteps(p));
  plan.push(...joinSteps(input.namespaces));
  if (!input.noNewKeyring) plan.push(step(Op.SESSION_KEYRING, sessionKeyring(input.id)));
  if (input.consoleSocket) plan.push(step(Op.CONSOLE_SOCKET, input.consoleSocket));
  if (input.terminalRelay && p.terminal) plan.push(step(Op.TERMINAL_RELAY));
  plan.push(...rlimitSteps(p));
  if (p.oomScoreAdj !== undefined) plan.push(step(Op.WRITE_FILE, '/proc/self/oom_score_adj', p.oomScoreAdj));
  if (p.terminal) plan.push(step(Op.TERMINAL, p.consoleSize?.height ?? 0, p.consoleSize?.width ?? 0, p.user.uid));
  plan.push(...schedulingSteps(p, input.personality));
  const seccomp = seccompSteps(p, input.seccomp);
  plan.push(...lsmExecSteps(p, input.lsm ?? NO_LSM));
  plan.push(...seccomp.early);
  plan.push(...credentialSteps(p, { setgroupsAllowed: !input.setgroupsDenied, lastCap: input.lastCap }));
  plan.push(step(Op.UMASK, p.user.umask ?? 0o022));
  plan.push(step(Op.CHDIR, p.cwd));
  plan.push(...execSteps(p));
  plan.push(...seccomp.late);
  plan.push(finalExec(p));
  return plan;
}
