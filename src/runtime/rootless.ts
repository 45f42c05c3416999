// Running without root's power over the host: as a user other than root, or
// as root of a user namespace (how Podman runs its runtime when rootless).
// runc's --rootless=auto decides the same way.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether this process is in a user namespace other than the host's. */
export function inUserNamespace(): boolean {
  const lines = readFileSync('/proc/self/uid_map', 'utf8').trim().split('\n');
  return lines.length !== 1 || lines[0].trim().split(/\s+/).join(' ') !== '0 0 4294967295';
}

export function runningRootless(): boolean {
  return process.geteuid?.() !== 0 || inUserNamespace();
}

/** Where state goes by default: /run/runts for root, as runc's /run/runc;
 * $XDG_RUNTIME_DIR/runts for a user, where runc keeps $XDG_RUNTIME_DIR/runc. */
export function defaultStateRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return process.geteuid?.() !== 0 && xdg ? join(xdg, 'runts') : '/run/runts';
}
