// Which Linux security modules this host has enabled, read as runc reads them.

import { existsSync, readFileSync } from 'node:fs';
import type { LsmFacts } from './plan/lsm.ts';

let facts: LsmFacts | undefined;

function apparmorEnabled(): boolean {
  if (!existsSync('/sys/kernel/security/apparmor')) return false;
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

/** selinuxfs mounted where the kernel puts it: SELinux is enabled (go-selinux asks the same). */
function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

/** Read once per process: LSMs are chosen at boot. */
export function hostLsm(): LsmFacts {
  facts ??= { apparmor: apparmorEnabled(), selinux: selinuxEnabled() };
  return facts;
}
