// The device rules as an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE,
// for pure cgroup v2 (no devices controller). The kernel runs it on every
// open and mknod of a device node by a process of the cgroup, with
// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// (access_type: device type in the low 16 bits, access in the high 16) in r1;
// it returns 1 to allow, 0 to deny. It decides as v1 does on the same rules:
// the default deny lets through a request whose every access one exception
// grants; the default allow stops a request that asks any access an
// exception denies. Exceptions all have the same verdict, so their order
// does not matter.

import type { DeviceException, DeviceRules } from './devices.ts';
import { RWM } from './devices.ts';

export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;
/** The kernel's device types in access_type (BPF_DEVCG_DEV_*). */
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;

// Opcodes: instruction class | operation | source (immediate K or register X).
export const OP = {
  LDXW: 0x61, // r[dst] = *(u32 *)(r[src] + off)
  AND32_K: 0x54,
  RSH32_K: 0x74,
  MOV32_K: 0xb4,
  MOV32_X: 0xbc,
  JEQ_K: 0x15,
  JNE_K: 0x55,
  EXIT: 0x95,
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** r2 = type, r3 = access, r4 = major, r5 = minor. */
const PROLOGUE: Insn[] = [
  ins(OP.LDXW, 2, 1, 0, 0),
  ins(OP.AND32_K, 2, 0, 0, 0xffff),
  ins(OP.LDXW, 3, 1, 0, 0),
  ins(OP.RSH32_K, 3, 0, 0, 16),
  ins(OP.LDXW, 4, 1, 4, 0),
  ins(OP.LDXW, 5, 1, 8, 0),
];

/** One exception's test, then its verdict; each test jumps to the next block when it fails. */
function block(e: DeviceException, verdict: number): Insn[] {
  const tests: Omit<Insn, 'off'>[] = [{ code: OP.JNE_K, dst: 2, src: 0, imm: e.type === 'b' ? DEV_BLOCK : DEV_CHAR }];
  if (e.major !== undefined) tests.push({ code: OP.JNE_K, dst: 4, src: 0, imm: e.major });
  if (e.minor !== undefined) tests.push({ code: OP.JNE_K, dst: 5, src: 0, imm: e.minor });
  // Every request asks some of rwm: an exception for all of it matches any.
  if (e.access !== RWM) {
    // An allow needs every access asked granted (asked & ~granted == 0); a deny stops any overlap (asked & denied != 0).
    const mask = verdict ? ~e.access : e.access;
    tests.push({ code: OP.MOV32_X, dst: 1, src: 3, imm: 0 }, { code: OP.AND32_K, dst: 1, src: 0, imm: mask });
    tests.push({ code: verdict ? OP.JNE_K : OP.JEQ_K, dst: 1, src: 0, imm: 0 });
  }
  const tail = [ins(OP.MOV32_K, 0, 0, 0, verdict), ins(OP.EXIT, 0, 0, 0, 0)];
  const end = tests.length + tail.length;
  return [...tests.map((t, i) => ({ ...t, off: t.code === OP.JNE_K || t.code === OP.JEQ_K ? end - i - 1 : 0 })), ...tail];
}

export function deviceProgramInsns(r: DeviceRules): Insn[] {
  const verdict = r.defaultAllow ? 0 : 1;
  return [...PROLOGUE, ...r.exceptions.flatMap((e) => block(e, verdict)), ins(OP.MOV32_K, 0, 0, 0, r.defaultAllow ? 1 : 0), ins(OP.EXIT, 0, 0, 0, 0)];
}

/** struct bpf_insn, 8 bytes each: code, dst_reg (low nibble) and src_reg, s16 off, s32 imm (little-endian). */
export function encodeInsns(insns: Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((x, i) => {
    buf.writeUInt8(x.code, i * 8);
    buf.writeUInt8((x.src << 4) | x.dst, i * 8 + 1);
    buf.writeInt16LE(x.off, i * 8 + 2);
    buf.writeInt32LE(x.imm | 0, i * 8 + 4);
  });
  return buf;
}

export function deviceProgram(r: DeviceRules): Buffer {
  return encodeInsns(deviceProgramInsns(r));
}
