// Serialises a plan into the executor's wire format (see native/executor/plan.h):
// "RTS1", the length of what follows, then the steps, written into one buffer.

import type { Arg, Plan } from './ops.ts';

const encoder = new TextEncoder();

function argBytes(a: Arg): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'bigint') return encoder.encode(`0x${a.toString(16)}`);
  return encoder.encode(String(a));
}

export function encodePlan(plan: Plan): Buffer {
  const args = plan.map((s) => s.args.map(argBytes));
  let size = 8 + 4;
  for (const list of args) {
    size += 8;
    for (const a of list) size += 4 + a.length;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.write('RTS1', 0, 'latin1');
  buf.writeUInt32LE(size - 8, 4);
  let off = 8;
  for (const [i, s] of plan.entries()) {
    off = buf.writeUInt32LE(s.op, off);
    off = buf.writeUInt32LE(s.args.length, off);
    for (const a of args[i]) {
      off = buf.writeUInt32LE(a.length, off);
      buf.set(a, off);
      off += a.length;
    }
  }
  buf.writeUInt32LE(0, off);
  return buf;
}
