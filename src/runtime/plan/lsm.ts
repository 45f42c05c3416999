// Linux security modules: the AppArmor profile or SELinux label the process
// gets at its exec, and whether the host can give them. A config that asks
// for a label the host cannot apply is refused, as runc refuses it: the
// container would run unconfined.

import { ConfigError } from '../../oci/errors.ts';
import type { Process } from '../../oci/spec.ts';
import { Op, step, type Step } from './ops.ts';

/** Which LSMs the host has enabled (runtime/lsm.ts reads them). */
export interface LsmFacts {
  apparmor: boolean;
  selinux: boolean;
}

export const NO_LSM: LsmFacts = { apparmor: false, selinux: false };

/** Refuses a linux.mountLabel the host cannot apply. */
export function checkMountLabel(mountLabel: string | undefined, lsm: LsmFacts): void {
  if (mountLabel && !lsm.selinux)
    throw new ConfigError('linux.mountLabel', 'SELinux is not enabled on this host (selinux label is specified in config, but selinux is disabled or not supported)');
}

/** The steps that label the process's exec, written last before it: AppArmor's
 * attr/apparmor/exec (attr/exec on kernels without per-LSM files), SELinux's attr/exec. */
export function lsmExecSteps(p: Process, lsm: LsmFacts): Step[] {
  const steps: Step[] = [];
  if (p.apparmorProfile) {
    if (!lsm.apparmor)
      throw new ConfigError('process.apparmorProfile', 'AppArmor is not enabled on this host (apparmor: config provided but apparmor not supported)');
    steps.push(step(Op.LSM_EXEC, `exec ${p.apparmorProfile}`, 'attr/apparmor/exec', 'attr/exec'));
  }
  if (p.selinuxLabel) {
    if (!lsm.selinux)
      throw new ConfigError('process.selinuxLabel', 'SELinux is not enabled on this host (selinux label is specified in config, but selinux is disabled or not supported)');
    steps.push(step(Op.LSM_EXEC, p.selinuxLabel, 'attr/exec'));
  }
  return steps;
}
