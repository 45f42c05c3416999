// linux.netDevices (runtime-spec 1.2): host interfaces moved into the
// container's network namespace, keyed by their host name.

import { ConfigError } from './errors.ts';

/** IFNAMSIZ less its NUL. */
const MAX_NAME = 15;

/** A name the kernel takes (dev_valid_name), and that no tool can mistake for an option. A
 * container's name may be a template ("eth%d") that the kernel completes. */
function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string') throw new ConfigError(field, 'must be a string');
  if (name === '' || name.length > MAX_NAME) throw new ConfigError(field, `"${name}" must have 1 to ${MAX_NAME} characters`);
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) throw new ConfigError(field, `"${name}" is not a network interface name (no "/", ":" or white space, not "." or "..")`);
  if (name.startsWith('-')) throw new ConfigError(field, `"${name}" starts with "-"`);
  return name;
}

/** namespaces: the types the container has (new or joined). */
export function checkNetDevices(v: unknown, field: string, namespaces: Set<string>): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(field, 'must be an object');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length && !namespaces.has('network'))
    throw new ConfigError(field, 'moving network devices needs a network namespace (linux.namespaces has none)');
  const targets = new Map<string, string>();
  for (const [host, dev] of entries) {
    const f = `${field}.${host}`;
    checkName(host, f);
    if (typeof dev !== 'object' || dev === null || Array.isArray(dev)) throw new ConfigError(f, 'must be an object');
    const name = (dev as Record<string, unknown>).name;
    const target = name === undefined || name === '' ? host : checkName(name, `${f}.name`);
    if (targets.has(target) && !target.includes('%'))
      throw new ConfigError(`${f}.name`, `"${target}" is also the name of ${targets.get(target)} in the container`);
    targets.set(target, host);
  }
}
