// Classic BPF as seccomp runs it: the few instructions the compiler emits, and
// an assembler from labels to offsets. A conditional jump reaches at most 255
// instructions ahead; one that must go further is relaxed into a short jump to
// an unconditional `ja` (32-bit offset) placed right after it, and the layout
// is recomputed until every short jump fits.

export const BPF = {
  LD_W_ABS: 0x20,
  ALU_AND_K: 0x54,
  JA: 0x05,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  RET_K: 0x06,
} as const;

/** The kernel's BPF_MAXINSNS: a longer filter is refused. */
export const MAX_INSNS = 4096;

/** A jump target: a label, or undefined for the next instruction. */
type Target = string | undefined;

type Item =
  | { kind: 'op'; code: number; k: number }
  | { kind: 'jump'; code: number; k: number; jt: Target; jf: Target }
  | { kind: 'ja'; target: string }
  | { kind: 'label'; name: string };

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export class Assembler {
  private readonly items: Item[] = [];
  private labels = 0;

  /** A fresh label name, placed later with place(). */
  label(): string {
    return `L${this.labels++}`;
  }
  place(name: string): void {
    this.items.push({ kind: 'label', name });
  }
  load(offset: number): void {
    this.items.push({ kind: 'op', code: BPF.LD_W_ABS, k: offset });
  }
  and(k: number): void {
    this.items.push({ kind: 'op', code: BPF.ALU_AND_K, k: k >>> 0 });
  }
  ret(k: number): void {
    this.items.push({ kind: 'op', code: BPF.RET_K, k: k >>> 0 });
  }
  jump(code: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ kind: 'jump', code, k: k >>> 0, jt, jf });
  }
  goto(target: string): void {
    this.items.push({ kind: 'ja', target });
  }

  assemble(): Insn[] {
    const far = new Map<number, { t: boolean; f: boolean }>();
    let { addr, labels } = this.layout(far);
    const offset = (from: number, target: string): number => {
      const to = labels.get(target);
      if (to === undefined) throw new Error(`bpf: label ${target} is never placed`);
      if (to <= from) throw new Error(`bpf: jump to ${target} goes backwards`);
      return to - from - 1;
    };
    // A `ja` added for one jump can push another's target out of reach: relax until none moves.
    for (let changed = true; changed; ) {
      changed = false;
      this.items.forEach((it, i) => {
        if (it.kind !== 'jump') return;
        const f = far.get(i) ?? { t: false, f: false };
        const t = f.t || (it.jt !== undefined && offset(addr[i], it.jt) > 255);
        const e = f.f || (it.jf !== undefined && offset(addr[i], it.jf) > 255);
        if (t !== f.t || e !== f.f) {
          far.set(i, { t, f: e });
          changed = true;
        }
      });
      if (changed) ({ addr, labels } = this.layout(far));
    }
    const out: Insn[] = [];
    this.items.forEach((it, i) => {
      const at = addr[i];
      if (it.kind === 'op') out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
      else if (it.kind === 'ja') out.push({ code: BPF.JA, jt: 0, jf: 0, k: offset(at, it.target) });
      else if (it.kind === 'jump') {
        const f = far.get(i) ?? { t: false, f: false };
        const pads = (f.t ? 1 : 0) + (f.f ? 1 : 0);
        // A near target is counted from the jump; a far one goes through the
        // `ja` after it (the true side's first, then the false side's).
        const near = (target: Target): number => (target === undefined ? pads : offset(at, target));
        out.push({ code: it.code, jt: f.t ? 0 : near(it.jt), jf: f.f ? (f.t ? 1 : 0) : near(it.jf), k: it.k });
        if (f.t) out.push({ code: BPF.JA, jt: 0, jf: 0, k: it.jt === undefined ? pads - 1 : offset(at + 1, it.jt) });
        if (f.f) out.push({ code: BPF.JA, jt: 0, jf: 0, k: it.jf === undefined ? 0 : offset(at + pads, it.jf) });
      }
    });
    return out;
  }

  private layout(far: Map<number, { t: boolean; f: boolean }>): { addr: number[]; labels: Map<string, number> } {
    const addr: number[] = [];
    const labels = new Map<string, number>();
    let pc = 0;
    this.items.forEach((it, i) => {
      addr.push(pc);
      if (it.kind === 'label') labels.set(it.name, pc);
      else if (it.kind === 'jump') {
        const f = far.get(i);
        pc += 1 + (f?.t ? 1 : 0) + (f?.f ? 1 : 0);
      } else pc += 1;
    });
    return { addr, labels };
  }
}

/** struct sock_filter[], in the host's byte order (little-endian on every arch runts serves). */
export function encode(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt16LE(ins.code, i * 8);
    buf.writeUInt8(ins.jt, i * 8 + 2);
    buf.writeUInt8(ins.jf, i * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buf;
}
