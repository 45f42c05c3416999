import { CAPABILITIES, MOUNT_FLAGS, PROPAGATION_FLAGS, RECURSIVE_ATTRS } from '../../oci/linux.ts';
import { SECCOMP_ACTIONS, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../../oci/spec.ts';
import { ARCHS } from '../../runtime/seccomp/arch.ts';
import { supportedSeccompFlags } from '../../runtime/seccomp/kernel.ts';
import { HOOK_KINDS, NAMESPACE_TYPES, OCI_VERSION } from '../../oci/spec.ts';
import type { Command } from './context.ts';
import { writeOut } from '../output.ts';

const features: Command = async () => {
  const out = {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: HOOK_KINDS,
    mountOptions: [...Object.keys(MOUNT_FLAGS), ...Object.keys(PROPAGATION_FLAGS), ...Object.keys(RECURSIVE_ATTRS), 'idmap', 'ridmap'],
    linux: {
      namespaces: NAMESPACE_TYPES,
      capabilities: CAPABILITIES,
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      // What runts refuses for now (src/oci/unenforced.ts), said so that callers need not find out by failing.
      seccomp: {
        enabled: true,
        actions: [...SECCOMP_ACTIONS].sort(),
        operators: [...SECCOMP_OPERATORS].sort(),
        archs: Object.keys(ARCHS).sort(),
        knownFlags: SECCOMP_FLAGS,
        supportedFlags: supportedSeccompFlags(),
      },
      // Supported, as runc says it: a label the host's kernel cannot apply is refused at create.
      apparmor: { enabled: true },
      selinux: { enabled: true },
      intelRdt: { enabled: true, schemata: true, monitoring: true },
      netDevices: { enabled: true },
      mountExtensions: { idmap: { enabled: true } },
    },
  };
  writeOut(`${JSON.stringify(out, null, '    ')}\n`);
  return 0;
};
export default features;
