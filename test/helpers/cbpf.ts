// A classic BPF interpreter over struct seccomp_data, written for the tests
// (independent of the compiler's assembler), and a disassembler to read
// programs instruction by instruction.

export interface SeccompData {
  nr: number;
  arch: number;
  args?: readonly bigint[];
}

const LD_W_ABS = 0x20;
const ALU_AND_K = 0x54;
const JA = 0x05;
const JEQ = 0x15;
const JGT = 0x25;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;

export interface Decoded {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export function decode(prog: Buffer): Decoded[] {
  if (prog.length % 8) throw new Error(`program of ${prog.length} bytes is not whole instructions`);
  const out: Decoded[] = [];
  for (let i = 0; i < prog.length; i += 8)
    out.push({ code: prog.readUInt16LE(i), jt: prog.readUInt8(i + 2), jf: prog.readUInt8(i + 3), k: prog.readUInt32LE(i + 4) });
  return out;
}

function hex(k: number): string {
  return `0x${k.toString(16)}`;
}

/** One line per instruction: "ld [4]", "jeq 0xc000003e 1 0", "ja 12", "and 0xff", "ret 0x7fff0000". */
export function disassemble(prog: Buffer): string[] {
  return decode(prog).map(({ code, jt, jf, k }) => {
    switch (code) {
      case LD_W_ABS:
        return `ld [${k}]`;
      case ALU_AND_K:
        return `and ${hex(k)}`;
      case JA:
        return `ja ${k}`;
      case JEQ:
        return `jeq ${hex(k)} ${jt} ${jf}`;
      case JGT:
        return `jgt ${hex(k)} ${jt} ${jf}`;
      case JGE:
        return `jge ${hex(k)} ${jt} ${jf}`;
      case JSET:
        return `jset ${hex(k)} ${jt} ${jf}`;
      case RET:
        return `ret ${hex(k)}`;
      default:
        return `unknown 0x${code.toString(16)}`;
    }
  });
}

/** Runs the program as the kernel would on one system call; returns the filter's 32-bit verdict. */
export function runFilter(prog: Buffer, d: SeccompData): number {
  const insns = decode(prog);
  const data = Buffer.alloc(64);
  data.writeUInt32LE(d.nr >>> 0, 0);
  data.writeUInt32LE(d.arch >>> 0, 4);
  (d.args ?? []).forEach((a, i) => data.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc];
    switch (code) {
      case LD_W_ABS:
        if (k % 4 || k > 60) throw new Error(`pc ${pc}: load at ${k} outside seccomp_data`);
        a = data.readUInt32LE(k);
        break;
      case ALU_AND_K:
        a = (a & k) >>> 0;
        break;
      case JA:
        pc += k;
        break;
      case JEQ:
        pc += a === k ? jt : jf;
        break;
      case JGT:
        pc += a > k ? jt : jf;
        break;
      case JGE:
        pc += a >= k ? jt : jf;
        break;
      case JSET:
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case RET:
        return k >>> 0;
      default:
        throw new Error(`pc ${pc}: instruction 0x${code.toString(16)} is not one the compiler emits`);
    }
  }
  throw new Error('program ran off its end');
}
