// Serialises a plan into the executor's wire format (see native/executor/plan.h).

import type { Arg, Plan } from './ops.ts';

const encoder = new TextEncoder();

function argBytes(a: Arg): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'bigint') return encoder.encode(`0x${a.toString(16)}`);
  return encoder.encode(String(a));
}

export function encodePlan(plan: Plan): Buffer {
  const parts: Uint8Array[] = [encoder.encode('RTS1')];
  const u32 = (n: number) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  for (const s of plan) {
    u32(s.op);
    u32(s.args.length);
    for (const a of s.args) {
      const bytes = argBytes(a);
      u32(bytes.length);
      parts.push(bytes);
    }
  }
  u32(0);
  return Buffer.concat(parts);
}
