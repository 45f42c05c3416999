// Which sysctls a container may set: only those of a namespace it has of its
// own (runc's rule). Any other would be written to the host's kernel from
// inside the container: kernel.core_pattern, vm.*, or net.* of the host's
// network namespace.

import { ConfigError } from './errors.ts';
import type { NamespaceType } from './spec.ts';

/** The System V IPC sysctls; fs.mqueue.* belongs to the ipc namespace too. */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

const UTS_SYSCTLS: Record<string, 'hostname' | 'domainname'> = { 'kernel.hostname': 'hostname', 'kernel.domainname': 'domainname' };

/** The namespace a sysctl belongs to, or undefined for one that is the whole host's. */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key in UTS_SYSCTLS) return 'uts';
  return undefined;
}

/** Refuses a sysctl the container could not set without changing the host's: one that is not
 * namespaced, or one of a namespace it does not have (new or joined). namespaces: its types. */
export function checkSysctls(spec: { hostname?: string; domainname?: string; linux?: { sysctl?: Record<string, string> } }, namespaces: ReadonlySet<string>): void {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const field = `linux.sysctl.${key}`;
    // Dots only: the key becomes a path under /proc/sys.
    if (!/^[\w-]+(\.[\w-]+)+$/.test(key)) throw new ConfigError(field, 'is not a sysctl name (dot-separated words)');
    const ns = sysctlNamespace(key);
    if (!ns) throw new ConfigError(field, 'is not in a namespace of the container\'s own: setting it would change the host\'s');
    if (!namespaces.has(ns))
      throw new ConfigError(field, `needs a ${ns} namespace of the container's own (linux.namespaces has none): setting it would change the host's`);
    const twin = UTS_SYSCTLS[key];
    if (twin && spec[twin]) throw new ConfigError(field, `conflicts with ${twin}, which sets the same`);
  }
}
