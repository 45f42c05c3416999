// `run --init`: native/init (build/berth-init) as the container's pid 1, the
// command its child. The binary comes from the host, bind-mounted read-only,
// as Docker mounts docker-init: images need not carry it, and a container
// cannot change the copy every other container runs.

import type { Mount } from '../oci/spec.ts';
import { buildFile } from '../native/host.ts';

/** Where the init appears inside the container (Docker's is /sbin/docker-init). */
export const INIT_PATH = '/sbin/berth-init';

/** The built init on the host (build/berth-init, or $BERTH_INIT). Throws when scripts/setup has not built it. */
export function initBinary(): string {
  return buildFile('berth-init', 'BERTH_INIT');
}

/** The spec mount that puts the init at INIT_PATH: read-only, nosuid and
 * nodev, but not noexec, since it is the container's first program. */
export function initMount(source = initBinary()): Mount {
  return { destination: INIT_PATH, type: 'bind', source, options: ['bind', 'ro', 'nosuid', 'nodev'] };
}

/** The process args that run args under the init. The `--` keeps a command
 * that starts with a dash from being taken for an option of the init's. */
export function initArgs(args: readonly string[]): string[] {
  return [INIT_PATH, '--', ...args];
}
