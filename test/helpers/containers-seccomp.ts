// The host's /usr/share/containers/seccomp.json (Podman's default profile, in
// the containers' own format) turned into linux.seccomp as Podman turns it for
// a container on this host: the native arch and its sub-architectures, and the
// rules whose includes/excludes hold for amd64 and the given capabilities.

import { readFileSync } from 'node:fs';
import type { LinuxSeccomp, LinuxSyscall, SeccompArch } from '../../src/oci/spec.ts';

export const CONTAINERS_PROFILE = '/usr/share/containers/seccomp.json';

interface Filter {
  arches?: string[];
  caps?: string[];
}

interface ContainersSyscall extends LinuxSyscall {
  includes?: Filter;
  excludes?: Filter;
}

interface ContainersProfile {
  defaultAction: LinuxSeccomp['defaultAction'];
  defaultErrnoRet?: number;
  archMap?: { architecture: SeccompArch; subArchitectures?: SeccompArch[] }[];
  syscalls: ContainersSyscall[];
}

export function containersProfile(caps: readonly string[], path = CONTAINERS_PROFILE): LinuxSeccomp {
  const p = JSON.parse(readFileSync(path, 'utf8')) as ContainersProfile;
  const arch = 'amd64';
  const native = p.archMap?.find((a) => a.architecture === 'SCMP_ARCH_X86_64');
  const syscalls: LinuxSyscall[] = [];
  for (const s of p.syscalls) {
    if (s.excludes?.arches?.includes(arch)) continue;
    if (s.excludes?.caps?.some((c) => caps.includes(c))) continue;
    if (s.includes?.arches?.length && !s.includes.arches.includes(arch)) continue;
    if (s.includes?.caps?.some((c) => !caps.includes(c))) continue;
    const out: LinuxSyscall = { names: s.names, action: s.action };
    if (s.errnoRet !== undefined) out.errnoRet = s.errnoRet;
    if (s.args?.length) out.args = s.args;
    syscalls.push(out);
  }
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    architectures: native ? [native.architecture, ...(native.subArchitectures ?? [])] : ['SCMP_ARCH_X86_64'],
    syscalls,
  };
}
