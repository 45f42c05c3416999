// Capability names to bits, as the kernel at hand has them: the plan's sets
// and the runtime's warning of names it leaves out share this (apart from the
// plans, which a CLI call that builds none does not load).

import { CAPABILITIES, capabilityBit } from '../oci/linux.ts';
import type { Capabilities } from '../oci/spec.ts';

const LAST_KNOWN_CAP = CAPABILITIES.length - 1;

/** The mask of the names runts knows and the kernel has (up to lastCap, its cap_last_cap); others are left out. */
export function capMask(names: readonly string[] = [], lastCap = LAST_KNOWN_CAP): bigint {
  let mask = 0n;
  for (const n of names) {
    const bit = capabilityBit(n);
    if (bit >= 0 && bit <= lastCap) mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The names capMask leaves out, each once and sorted: the runtime warns of them (runtime-spec 1.2, as runc). */
export function unavailableCapabilities(caps: Capabilities | undefined, lastCap = LAST_KNOWN_CAP): string[] {
  const all = Object.values(caps ?? {}).flat() as string[];
  return [...new Set(all.filter((n) => capMask([n], lastCap) === 0n))].sort();
}
