// Serialises a plan into the executor's wire format (see native/executor/plan.h):
// "RTS1", the length of what follows, then the steps, written into one buffer.
// Strings go straight into the buffer: an array per argument cost a quarter
// of a millisecond for a plan of a hundred steps.

import type { Arg, Plan } from './ops.ts';

function argText(a: string | number | bigint): string {
  return typeof a === 'bigint' ? `0x${a.toString(16)}` : String(a);
}

export function encodePlan(plan: Plan): Buffer {
  let size = 8 + 4;
  for (const s of plan) {
    size += 8;
    for (const a of s.args) size += 4 + (a instanceof Uint8Array ? a.length : Buffer.byteLength(argText(a)));
  }
  const buf = Buffer.allocUnsafe(size);
  buf.write('RTS1', 0, 'latin1');
  buf.writeUInt32LE(size - 8, 4);
  let off = 8;
  for (const s of plan) {
    off = buf.writeUInt32LE(s.op, off);
    off = buf.writeUInt32LE(s.args.length, off);
    for (const a of s.args as Arg[]) {
      if (a instanceof Uint8Array) {
        off = buf.writeUInt32LE(a.length, off);
        buf.set(a, off);
        off += a.length;
      } else {
        const n = buf.write(argText(a), off + 4);
        buf.writeUInt32LE(n, off);
        off += 4 + n;
      }
    }
  }
  buf.writeUInt32LE(0, off);
  return buf;
}
