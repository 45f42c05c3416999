// Which seccomp filter flags the running kernel takes, by the release that
// brought each (runc asks libseccomp, which probes the kernel likewise).

import { release } from 'node:os';
import { type SeccompFlag } from '../../oci/seccomp.ts';
import { SECCOMP_FLAGS } from '../../oci/spec.ts';

const SINCE: Record<SeccompFlag, [number, number]> = {
  SECCOMP_FILTER_FLAG_TSYNC: [3, 17],
  SECCOMP_FILTER_FLAG_LOG: [4, 14],
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: [4, 17],
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: [5, 19],
};

export function supportedSeccompFlags(kernel: string = release()): SeccompFlag[] {
  const [major, minor] = kernel.split('.').map((n) => Number.parseInt(n, 10));
  return SECCOMP_FLAGS.filter((f) => major > SINCE[f][0] || (major === SINCE[f][0] && minor >= SINCE[f][1]));
}
