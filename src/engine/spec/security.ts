// --cap-add/--cap-drop, --privileged and --security-opt: the container's
// capability set (Docker's rules: ALL, names with or without CAP_, any case),
// then what confines it: the seccomp profile (the engine's default, following
// the final capabilities; a file; or none), no-new-privileges, an AppArmor
// profile or SELinux label the host can apply, refused when it cannot.

import type { LinuxSeccomp } from '../../oci/spec.ts';
import { CAPABILITIES } from '../../oci/linux.ts';
import type { ContainerConfig } from '../config.ts';
import { defaultSeccompProfile } from '../seccomp/default-profile.ts';
import { invalid } from './check.ts';
import type { HostFacts } from './host.ts';
import { loadProfile } from './seccomp-file.ts';

/** Docker's default capabilities. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

function normalizeCaps(list: string[] | undefined, field: string, flag: string): string[] {
  if (list !== undefined && !Array.isArray(list)) throw invalid(field, flag, 'must be a list of capability names');
  return (list ?? []).map((c) => {
    if (typeof c !== 'string') throw invalid(field, flag, `${String(c)} is not a capability name`);
    const up = c.trim().toUpperCase();
    if (up === 'ALL') return 'ALL';
    const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
    if (!(CAPABILITIES as readonly string[]).includes(name)) throw invalid(field, flag, `unknown capability "${c}"`);
    return name;
  });
}

/** The capability set, as Docker's TweakCapabilities: privileged or ALL take every one the engine holds. */
export function capabilitySet(c: Pick<ContainerConfig, 'capAdd' | 'capDrop' | 'privileged'>, host: HostFacts): string[] {
  if (c.privileged) return host.allCapabilities();
  const add = normalizeCaps(c.capAdd, 'capAdd', '--cap-add');
  const drop = normalizeCaps(c.capDrop, 'capDrop', '--cap-drop');
  let caps: string[];
  if (add.includes('ALL')) caps = host.allCapabilities().filter((x) => !drop.includes(x));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...DEFAULT_CAPABILITIES.filter((x) => !drop.includes(x)), ...add];
  caps = [...new Set(caps)];
  const held = new Set(host.allCapabilities());
  const missing = caps.filter((x) => !held.has(x) && add.includes(x));
  if (missing.length) throw invalid('capAdd', '--cap-add', `${missing.join(', ')}: not a capability this host's kernel has and berth holds, so no container can get it`);
  return caps.filter((x) => held.has(x));
}

export interface Confinement {
  seccomp?: LinuxSeccomp;
  noNewPrivileges: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

const LABEL_PARTS = ['user', 'role', 'type', 'level'] as const;

export function confinement(c: ContainerConfig, caps: string[], host: HostFacts): Confinement {
  const s = c.security ?? {};
  const out: Confinement = { noNewPrivileges: s.noNewPrivileges ?? false };
  if (s.noNewPrivileges !== undefined && typeof s.noNewPrivileges !== 'boolean') throw invalid('security.noNewPrivileges', '--security-opt no-new-privileges', 'must be true or false');
  // Docker's: a privileged container runs unconfined whatever profile is named.
  if (!c.privileged) {
    if (s.seccomp === undefined) out.seccomp = defaultSeccompProfile({ capabilities: caps });
    else if (typeof s.seccomp !== 'string' || s.seccomp === '') throw invalid('security.seccomp', '--security-opt seccomp', 'give "unconfined" or the path of a profile');
    else if (s.seccomp !== 'unconfined') out.seccomp = loadProfile(s.seccomp, { capabilities: caps });
  }
  if (s.apparmor !== undefined && s.apparmor !== 'unconfined' && !c.privileged) {
    if (typeof s.apparmor !== 'string' || s.apparmor === '') throw invalid('security.apparmor', '--security-opt apparmor', 'give a profile name or "unconfined"');
    if (!host.apparmor()) throw invalid('security.apparmor', '--security-opt apparmor', `AppArmor is not enabled on this host: profile "${s.apparmor}" cannot be applied`);
    out.apparmorProfile = s.apparmor;
  }
  const label = s.label ?? [];
  if (label.length && !label.includes('disable') && !c.privileged) {
    const parts: Record<string, string> = {};
    for (const l of label) {
      const colon = typeof l === 'string' ? l.indexOf(':') : -1;
      const key = colon < 0 ? String(l) : l.slice(0, colon);
      if (!(LABEL_PARTS as readonly string[]).includes(key) || colon < 0) throw invalid('security.label', '--security-opt label', `"${l}" is not one of user:, role:, type:, level: or disable`);
      parts[key] = l.slice(colon + 1);
    }
    if (!host.selinux()) throw invalid('security.label', '--security-opt label', 'SELinux is not enabled on this host: the label cannot be applied');
    const absent = LABEL_PARTS.filter((p) => !parts[p]);
    if (absent.length) throw invalid('security.label', '--security-opt label', `berth has no base SELinux context to fill in from: give ${absent.join(', ')} too`);
    out.selinuxLabel = LABEL_PARTS.map((p) => parts[p]).join(':');
  }
  return out;
}
