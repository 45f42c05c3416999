// Running without root's power over the host: as a user other than root, or
// as root of a user namespace (how Podman runs its runtime when rootless).
// runc's --rootless=auto decides the same way.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdMapping } from '../oci/spec.ts';

/** This process's gid_map: which gids exist here, and what they are outside. */
export function ownGidMap(): IdMapping[] {
  return readFileSync('/proc/self/gid_map', 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .map(([containerID, hostID, size]) => ({ containerID, hostID, size }));
}

/** Whether a process's user namespace denies setgroups(2) (as `unshare -r` leaves it); procDir is its /proc directory. */
export function setgroupsDenied(procDir = '/proc/self'): boolean {
  return readFileSync(`${procDir}/setgroups`, 'utf8').trim() === 'deny';
}

let userNs: boolean | undefined;

/** Whether this process is in a user namespace other than the host's (read
 * once: the state root and the runtime both ask, and it does not change). */
export function inUserNamespace(): boolean {
  if (userNs === undefined) {
    const lines = readFileSync('/proc/self/uid_map', 'utf8').trim().split('\n');
    userNs = lines.length !== 1 || lines[0].trim().split(/\s+/).join(' ') !== '0 0 4294967295';
  }
  return userNs;
}

/** Where state goes by default: /run/runts for root, as runc's /run/runc;
 * $XDG_RUNTIME_DIR/runts for a user, where runc keeps $XDG_RUNTIME_DIR/runc,
 * and for root of a user namespace unless $USER says root (runc's rule). */
export function defaultStateRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (!xdg) return '/run/runts';
  const user = process.geteuid?.() !== 0 || (inUserNamespace() && process.env.USER !== 'root');
  return user ? join(xdg, 'runts') : '/run/runts';
}
