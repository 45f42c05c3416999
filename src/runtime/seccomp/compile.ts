// linux.seccomp -> a classic BPF program over struct seccomp_data, without
// libseccomp. The program:
//
//   ld arch; one jeq per architecture served; else kill the process
//   per architecture: ld nr; a binary search over the syscall numbers
//
// The search runs over intervals of numbers that behave alike (most allowed
// syscalls are neighbours), so Docker's profile is a few hundred instructions,
// far from the kernel's 4096. A leaf is a return, or the syscall's argument
// rules in profile order, first match winning, then the default action.
//
// What runc (with libseccomp) does, we do: names a table does not know are
// skipped; a rule whose action is the default's is dropped; an unconditional
// rule takes the syscall whole; conditions on distinct arguments are ANDed,
// while a rule naming one argument twice becomes one rule per condition (ORed);
// and, unless the default allows, numbers above the highest the profile names
// get ENOSYS (runc's patchbpf stub), so that libc falls back from a syscall
// newer than the profile (clone3...) instead of failing on the default EPERM.
// On amd64 one section serves x86_64 and x32 (numbers from bit 30 up, killed
// unless x32 is listed) and another x86.

import { ConfigError } from '../../oci/errors.ts';
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, SeccompAction } from '../../oci/spec.ts';
import { type Arch, ARCHS, nativeArch, X32_SYSCALL_BIT } from './arch.ts';
import { Assembler, BPF, encode, MAX_INSNS } from './bpf.ts';
import { filterStore } from './filter-store.ts';

export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

export const FILTER_FLAG = {
  LOG: 1 << 1,
  SPEC_ALLOW: 1 << 2,
  NEW_LISTENER: 1 << 3,
  WAIT_KILLABLE_RECV: 1 << 5,
} as const;

const EPERM = 1;
const ENOSYS = 38;

/** offsetof(struct seccomp_data, ...): nr, arch, instruction_pointer, args[6]. */
const DATA = { NR: 0, ARCH: 4, ARGS: 16 } as const;

export interface SeccompFilter {
  /** struct sock_filter[] for seccomp(SECCOMP_SET_MODE_FILTER). */
  program: Buffer;
  /** seccomp(2) flags. */
  flags: number;
  /** Whether the kernel hands back a listener for the agent (SCMP_ACT_NOTIFY is used). */
  listener: boolean;
}

export function actionValue(action: SeccompAction, errnoRet?: number): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return RET.TRAP;
    case 'SCMP_ACT_ERRNO':
      return (RET.ERRNO | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (RET.TRACE | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG':
      return RET.LOG;
    case 'SCMP_ACT_NOTIFY':
      return RET.USER_NOTIF;
    case 'SCMP_ACT_ALLOW':
      return RET.ALLOW;
  }
}

interface Cond {
  index: number;
  op: LinuxSeccompArg['op'];
  value: bigint;
  valueTwo: bigint;
}

interface Rule {
  conds: Cond[];
  ret: number;
}

/** What a syscall number does: one return, or rules tried in order before a fallback. */
type Behaviour = { ret: number } | { rules: Rule[]; fallback: number };

/** One architecture's syscalls as the profile has them. */
interface Resolved {
  arch: Arch;
  bySyscall: Map<number, Behaviour>;
  /** The highest number the profile names on this arch, whatever its action (runc's stub bound). */
  highest?: number;
}

function conditions(args: LinuxSeccompArg[]): Cond[] {
  return args.map((a) => ({ index: a.index, op: a.op, value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) }));
}

function resolve(arch: Arch, syscalls: readonly LinuxSyscall[], defaultRet: number): Resolved {
  const uncond = new Map<number, number>();
  const rules = new Map<number, Rule[]>();
  let highest: number | undefined;
  for (const s of syscalls) {
    const ret = actionValue(s.action, s.errnoRet);
    for (const name of s.names) {
      const nr = arch.table[name];
      if (nr === undefined) continue;
      highest = highest === undefined ? nr : Math.max(highest, nr);
      if (ret === defaultRet) continue;
      const args = s.args ?? [];
      if (args.length === 0) {
        if (!uncond.has(nr)) uncond.set(nr, ret);
        continue;
      }
      const conds = conditions(args);
      const sameArgTwice = new Set(conds.map((c) => c.index)).size !== conds.length;
      const list = rules.get(nr) ?? [];
      if (sameArgTwice) for (const c of conds) list.push({ conds: [c], ret });
      else list.push({ conds, ret });
      rules.set(nr, list);
    }
  }
  const bySyscall = new Map<number, Behaviour>();
  for (const [nr, ret] of uncond) bySyscall.set(nr, { ret });
  for (const [nr, list] of rules) if (!uncond.has(nr)) bySyscall.set(nr, { rules: list, fallback: defaultRet });
  return { arch, bySyscall, highest };
}

interface Segment {
  start: number;
  beh: Behaviour;
}

/** The behaviour of every number in [start, end): the profile's syscalls, the default, and
 * ENOSYS above the highest named (when stubbed). */
function segments(r: Resolved, start: number, end: number, defaultRet: number, stub: boolean): Segment[] {
  const def = { ret: defaultRet };
  const out: Segment[] = [{ start, beh: def }];
  for (const nr of [...r.bySyscall.keys()].sort((a, b) => a - b)) {
    if (nr < start || nr >= end) continue;
    out.push({ start: nr, beh: r.bySyscall.get(nr)! });
    if (nr + 1 < end) out.push({ start: nr + 1, beh: def });
  }
  if (stub && r.highest !== undefined && r.highest + 1 < end) {
    const above = Math.max(r.highest + 1, start);
    while (out.length && out[out.length - 1].start >= above) out.pop();
    out.push({ start: above, beh: { ret: RET.ERRNO | ENOSYS } });
  }
  return out;
}

/** Returns alike by value; rule lists only as the same list (one syscall's, kept apart). */
function same(a: Behaviour, b: Behaviour): boolean {
  return 'ret' in a && 'ret' in b ? a.ret === b.ret : a === b;
}

/** A section of the program: every number of one AUDIT_ARCH value, each with the arch whose width its arguments have. */
interface Section {
  audit: number;
  segments: { start: number; beh: Behaviour; arch: Arch }[];
}

function emitCond(asm: Assembler, c: Cond, bits: 32 | 64, fail: string): void {
  const pass = asm.label();
  const lo = Number(c.value & 0xffffffffn);
  const hi = Number(c.value >> 32n);
  const lo2 = Number(c.valueTwo & 0xffffffffn);
  const hi2 = Number(c.valueTwo >> 32n);
  const at = DATA.ARGS + 8 * c.index;
  if (bits === 64) {
    // The high word decides unless equal; then the low word does.
    asm.load(at + 4);
    switch (c.op) {
      case 'SCMP_CMP_EQ':
        asm.jump(BPF.JEQ_K, hi, undefined, fail);
        break;
      case 'SCMP_CMP_NE':
        asm.jump(BPF.JEQ_K, hi, undefined, pass);
        break;
      case 'SCMP_CMP_GT':
      case 'SCMP_CMP_GE':
        asm.jump(BPF.JGT_K, hi, pass, undefined);
        asm.jump(BPF.JEQ_K, hi, undefined, fail);
        break;
      case 'SCMP_CMP_LT':
      case 'SCMP_CMP_LE':
        asm.jump(BPF.JGT_K, hi, fail, undefined);
        asm.jump(BPF.JEQ_K, hi, undefined, pass);
        break;
      case 'SCMP_CMP_MASKED_EQ':
        asm.and(hi);
        asm.jump(BPF.JEQ_K, hi2, undefined, fail);
        break;
    }
  }
  asm.load(at);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      asm.jump(BPF.JEQ_K, lo, pass, fail);
      break;
    case 'SCMP_CMP_NE':
      asm.jump(BPF.JEQ_K, lo, fail, pass);
      break;
    case 'SCMP_CMP_GT':
      asm.jump(BPF.JGT_K, lo, pass, fail);
      break;
    case 'SCMP_CMP_GE':
      asm.jump(BPF.JGE_K, lo, pass, fail);
      break;
    case 'SCMP_CMP_LT':
      asm.jump(BPF.JGE_K, lo, fail, pass);
      break;
    case 'SCMP_CMP_LE':
      asm.jump(BPF.JGT_K, lo, fail, pass);
      break;
    case 'SCMP_CMP_MASKED_EQ':
      asm.and(lo);
      asm.jump(BPF.JEQ_K, lo2, pass, fail);
      break;
  }
  asm.place(pass);
}

function emitLeaf(asm: Assembler, beh: Behaviour, arch: Arch): void {
  if ('ret' in beh) return asm.ret(beh.ret);
  for (const rule of beh.rules) {
    const next = asm.label();
    for (const c of rule.conds) emitCond(asm, c, arch.bits, next);
    asm.ret(rule.ret);
    asm.place(next);
  }
  asm.ret(beh.fallback);
}

/** A binary search over the segments' starts, with the syscall number in A. */
function emitTree(asm: Assembler, segs: Section['segments'], lo: number, hi: number): void {
  if (lo === hi) return emitLeaf(asm, segs[lo].beh, segs[lo].arch);
  const mid = (lo + hi + 1) >> 1;
  const right = asm.label();
  asm.jump(BPF.JGE_K, segs[mid].start, right, undefined);
  emitTree(asm, segs, lo, mid - 1);
  asm.place(right);
  emitTree(asm, segs, mid, hi);
}

function isAllowLike(action: SeccompAction): boolean {
  return action === 'SCMP_ACT_ALLOW' || action === 'SCMP_ACT_LOG' || action === 'SCMP_ACT_TRACE';
}

function sections(sc: LinuxSeccomp, native: string, defaultRet: number): Section[] {
  const listed = new Set([native, ...(sc.architectures ?? [])].filter((a) => a in ARCHS));
  // Without a default that lets calls through, newer syscalls get ENOSYS; a default
  // of ENOSYS already does.
  const stub = !isAllowLike(sc.defaultAction) && defaultRet !== (RET.ERRNO | ENOSYS);
  const syscalls = sc.syscalls ?? [];
  const out: Section[] = [];
  const tag = (segs: Segment[], arch: Arch) => segs.map((s) => ({ ...s, arch }));
  for (const name of listed) {
    const arch = ARCHS[name];
    if (name === 'SCMP_ARCH_X32') continue;
    const r = resolve(arch, syscalls, defaultRet);
    if (name !== 'SCMP_ARCH_X86_64') {
      out.push({ audit: arch.audit, segments: normalize(tag(segments(r, 0, 2 ** 32, defaultRet, stub), arch)) });
      continue;
    }
    // x86_64's numbers, then x32's from bit 30 up, then -1 (a tracer's "skip"), x86_64's again as libseccomp has it.
    const x32 = ARCHS.SCMP_ARCH_X32;
    const x32part = listed.has('SCMP_ARCH_X32')
      ? tag(segments(resolve(x32, syscalls, defaultRet), X32_SYSCALL_BIT, 0xffffffff, defaultRet, stub), x32)
      : [{ start: X32_SYSCALL_BIT, beh: { ret: RET.KILL_PROCESS }, arch: x32 }];
    const minusOne = { start: 0xffffffff, beh: { ret: stub && r.highest !== undefined ? RET.ERRNO | ENOSYS : defaultRet }, arch };
    const all = [...tag(segments(r, 0, X32_SYSCALL_BIT, defaultRet, stub), arch), ...x32part, minusOne];
    out.push({ audit: arch.audit, segments: normalize(all) });
  }
  return out;
}

/** Merges neighbours that behave alike and keeps the last of equal starts. */
function normalize(list: Section['segments']): Section['segments'] {
  const out: Section['segments'] = [];
  for (const s of list) {
    if (out.length && out[out.length - 1].start === s.start) out.pop();
    const last = out[out.length - 1];
    if (last && same(last.beh, s.beh)) continue;
    out.push(s);
  }
  return out;
}

function filterFlags(sc: LinuxSeccomp, listener: boolean): number {
  // runc: no flags given means SPEC_ALLOW (the kernel's speculation mitigations
  // are the host's business); an empty list means none.
  const flags = sc.flags ?? ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'];
  let out = listener ? FILTER_FLAG.NEW_LISTENER : 0;
  if (flags.includes('SECCOMP_FILTER_FLAG_LOG')) out |= FILTER_FLAG.LOG;
  if (flags.includes('SECCOMP_FILTER_FLAG_SPEC_ALLOW')) out |= FILTER_FLAG.SPEC_ALLOW;
  // Only a listener can be waited on killably: the kernel refuses the flag without one.
  if (listener && flags.includes('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')) out |= FILTER_FLAG.WAIT_KILLABLE_RECV;
  return out;
}

/** Compiles a validated linux.seccomp for the host (or the given native arch). */
export function compileSeccomp(sc: LinuxSeccomp, native: string | undefined = nativeArch()): SeccompFilter {
  if (!native) throw new ConfigError('linux.seccomp', `runts has no syscall table for this host's architecture (${process.arch})`);
  const defaultRet = actionValue(sc.defaultAction, sc.defaultErrnoRet);
  const asm = new Assembler();
  const secs = sections(sc, native, defaultRet);
  const labels = secs.map(() => asm.label());
  asm.load(DATA.ARCH);
  secs.forEach((s, i) => asm.jump(BPF.JEQ_K, s.audit, labels[i], undefined));
  asm.ret(RET.KILL_PROCESS);
  secs.forEach((s, i) => {
    asm.place(labels[i]);
    asm.load(DATA.NR);
    emitTree(asm, s.segments, 0, s.segments.length - 1);
  });
  const insns = asm.assemble();
  if (insns.length > MAX_INSNS)
    throw new ConfigError('linux.seccomp', `compiles to ${insns.length} BPF instructions, more than the kernel's limit of ${MAX_INSNS}`);
  const listener = (sc.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_NOTIFY');
  return { program: encode(insns), flags: filterFlags(sc, listener), listener };
}

const cache = new Map<string, SeccompFilter>();
const CACHE_SIZE = 8;

/** compileSeccomp, remembered by the profile's content: an engine's containers mostly share a profile. */
export function compileSeccompCached(sc: LinuxSeccomp, native: string | undefined = nativeArch()): SeccompFilter {
  const k = `${native} ${JSON.stringify(sc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
  const hit = cache.get(k);
  if (hit) {
    cache.delete(k);
    cache.set(k, hit);
    return hit;
  }
  const store = filterStore();
  let filter = store?.get(k);
  if (!filter) {
    filter = compileSeccomp(sc, native);
    store?.set(k, filter);
  }
  cache.set(k, filter);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return filter;
}
