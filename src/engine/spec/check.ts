// A config value the engine refuses: the error names the config field a
// library caller set and the flag a CLI user typed, as both ask for it.

import { ConfigError } from '../../oci/errors.ts';
import { InvalidArgumentError } from '../errors.ts';

export function invalid(field: string, flag: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field} (${flag})`, message);
}

/** Runs a check of the oci layer (which names spec fields) and renames its refusal. */
export function asInvalid<T>(field: string, flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw invalid(field, flag, e.message.replace(/^config\.json: /, ''));
    throw e;
  }
}

/** A cpuset list ("0-3,6") as its members; undefined when it is not one. */
export function cpusetMembers(text: string): Set<number> | undefined {
  const out = new Set<number>();
  if (text.trim() === '') return out;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65536) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}
