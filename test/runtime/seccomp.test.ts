// The seccomp compiler, without a kernel: programs read instruction by
// instruction for small profiles, and random profiles run through a cBPF
// interpreter (test/helpers/cbpf.ts) against a direct reading of the profile.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkSeccomp } from '../../src/oci/seccomp.ts';
import { type LinuxSeccomp, type LinuxSeccompArg, type LinuxSyscall, SECCOMP_OPERATORS } from '../../src/oci/spec.ts';
import { AUDIT_ARCH } from '../../src/runtime/seccomp/arch.ts';
import { actionValue, compileSeccomp, compileSeccompCached, FILTER_FLAG, RET } from '../../src/runtime/seccomp/compile.ts';
import { SYSCALLS } from '../../src/runtime/seccomp/tables.ts';
import { decode, disassemble, runFilter } from '../helpers/cbpf.ts';
import { CONTAINERS_PROFILE, containersProfile } from '../helpers/containers-seccomp.ts';

const X64 = 'SCMP_ARCH_X86_64';
const ERRNO = (e: number) => (RET.ERRNO | e) >>> 0;
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

describe('seccomp compiler: programs read instruction by instruction', () => {
  it('one blocked syscall under an allowing default', () => {
    const f = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] }, X64);
    // x86_64: [0,79) allow, 79 getcwd, [80, 2^30) allow, x32's numbers killed (not listed), -1 allowed.
    assert.deepEqual(disassemble(f.program), [
      'ld [4]',
      `jeq ${hex(AUDIT_ARCH.X86_64)} 1 0`,
      'ret 0x80000000',
      'ld [0]',
      'jge 0x50 3 0',
      'jge 0x4f 1 0',
      'ret 0x7fff0000',
      'ret 0x50005',
      'jge 0x40000000 1 0',
      'ret 0x7fff0000',
      'jge 0xffffffff 1 0',
      'ret 0x80000000',
      'ret 0x7fff0000',
    ]);
    assert.equal(f.flags, FILTER_FLAG.SPEC_ALLOW, 'no flags given: SPEC_ALLOW, as runc');
    assert.equal(f.listener, false);
  });

  it('an argument rule: the high word, then the low word; ENOSYS above the highest syscall named', () => {
    const f = compileSeccomp(
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        flags: [],
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] }],
      },
      X64,
    );
    assert.deepEqual(disassemble(f.program), [
      'ld [4]',
      `jeq ${hex(AUDIT_ARCH.X86_64)} 1 0`,
      'ret 0x80000000',
      'ld [0]',
      // segments: [0,135) EPERM, 135 personality, [136, 2^30) ENOSYS, x32 killed, -1 ENOSYS
      'jge 0x88 8 0',
      'jge 0x87 1 0',
      'ret 0x50001',
      'ld [20]',
      'jeq 0x0 0 3',
      'ld [16]',
      'jeq 0xffffffff 0 1',
      'ret 0x7fff0000',
      'ret 0x50001',
      'jge 0x40000000 1 0',
      'ret 0x50026',
      'jge 0xffffffff 1 0',
      'ret 0x80000000',
      'ret 0x50026',
    ]);
    assert.equal(f.flags, 0, 'an empty flags list asks for none');
  });

  it('x86 and x32 listed: a section per AUDIT_ARCH, x32 from bit 30 on; 32-bit args compare the low word', () => {
    const f = compileSeccomp(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 8, op: 'SCMP_CMP_GT' }] }],
      },
      X64,
    );
    const text = disassemble(f.program);
    assert.deepEqual(text.slice(0, 4), ['ld [4]', `jeq ${hex(AUDIT_ARCH.X86_64)} 2 0`, `jeq ${hex(AUDIT_ARCH.I386)} ${text.indexOf('ld [0]', 10) - 3} 0`, 'ret 0x80000000']);
    // x86's personality (136): one low-word compare, no high word.
    const x86 = text.slice(text.lastIndexOf('ld [0]'));
    assert.deepEqual(x86, ['ld [0]', 'jge 0x88 1 0', 'ret 0x7fff0000', 'jge 0x89 4 0', 'ld [16]', 'jgt 0x8 0 1', 'ret 0x80000000', 'ret 0x7fff0000', 'ret 0x7fff0000']);
    // x32's personality is 0x40000087: its rule is in the x86_64 section, its bounds searched there.
    assert.ok(text.some((l) => l.startsWith('jge 0x40000087 ')) && text.some((l) => l.startsWith('jge 0x40000088 ')), text.join('\n'));
  });

  it('flags: LOG, WAIT_KILLABLE_RECV only with a listener, NEW_LISTENER for NOTIFY; TSYNC ignored', () => {
    const base: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] };
    assert.equal(compileSeccomp(base, X64).flags, FILTER_FLAG.LOG);
    const notify = compileSeccomp({ ...base, listenerPath: '/run/agent.sock', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] }, X64);
    assert.equal(notify.flags, FILTER_FLAG.LOG | FILTER_FLAG.NEW_LISTENER | FILTER_FLAG.WAIT_KILLABLE_RECV);
    assert.equal(notify.listener, true);
  });

  it('long jumps: a profile whose rules span more than 255 instructions still decides right', () => {
    const names = Object.keys(SYSCALLS.x86_64).slice(0, 200);
    const sc: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: names.map((n, i) => ({ names: [n], action: 'SCMP_ACT_ALLOW', args: [{ index: i % 6, value: i, op: 'SCMP_CMP_EQ' }] })),
    };
    const f = compileSeccomp(sc, X64);
    assert.ok(decode(f.program).some((i) => i.code === 0x05), 'some jump was relaxed through a ja');
    names.forEach((n, i) => {
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[i % 6] = BigInt(i);
      assert.equal(runFilter(f.program, { nr: SYSCALLS.x86_64[n], arch: AUDIT_ARCH.X86_64, args }), RET.ALLOW, n);
      args[i % 6] = BigInt(i) + (1n << 32n);
      assert.equal(runFilter(f.program, { nr: SYSCALLS.x86_64[n], arch: AUDIT_ARCH.X86_64, args }), ERRNO(1), `${n} high word`);
    });
  });

  it('compiles Podman\'s default profile well within the kernel\'s 4096 instructions', { skip: !existsSync(CONTAINERS_PROFILE) && `${CONTAINERS_PROFILE} is not installed` }, () => {
    const sc = containersProfile(['CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID']);
    checkSeccomp(sc);
    const f = compileSeccomp(sc, X64);
    const n = f.program.length / 8;
    assert.ok(n < 1000, `${n} instructions`);
    const run = (name: string, args: bigint[] = []) => runFilter(f.program, { nr: SYSCALLS.x86_64[name], arch: AUDIT_ARCH.X86_64, args });
    assert.equal(run('read'), RET.ALLOW);
    assert.equal(run('sysfs'), ERRNO(1), 'listed as refused, errnoRet 1');
    assert.equal(run('add_key'), ERRNO(38), 'unlisted: the default, ENOSYS');
    assert.equal(run('personality', [0xffffffffn]), RET.ALLOW);
    assert.equal(run('personality', [0x1234n]), ERRNO(38));
    assert.equal(run('socket', [16n, 3n, 9n]), ERRNO(22), 'netlink audit without CAP_AUDIT_WRITE');
    assert.equal(run('socket', [2n, 1n, 0n]), RET.ALLOW);
    assert.equal(runFilter(f.program, { nr: 1000, arch: AUDIT_ARCH.X86_64 }), ERRNO(38), 'newer than the profile: ENOSYS');
    assert.equal(runFilter(f.program, { nr: SYSCALLS.x86.sysfs, arch: AUDIT_ARCH.I386 }), ERRNO(1), 'x86 served');
    assert.equal(runFilter(f.program, { nr: SYSCALLS.x32.sysfs, arch: AUDIT_ARCH.X86_64 }), ERRNO(1), 'x32 served');
    assert.equal(runFilter(f.program, { nr: 0, arch: AUDIT_ARCH.AARCH64 }), RET.KILL_PROCESS, 'an arch not in the filter');
  });

  it('aarch64 and arm: compiled with their own tables (an arm64 host, arm listed)', () => {
    const sc: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
      syscalls: [
        { names: ['read', 'write', 'cacheflush'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      ],
    };
    const f = compileSeccomp(sc, 'SCMP_ARCH_AARCH64');
    const run = (arch: number, nr: number, args: bigint[] = []) => runFilter(f.program, { nr, arch, args });
    const a64 = SYSCALLS.aarch64;
    const arm = SYSCALLS.arm;
    assert.equal(run(AUDIT_ARCH.AARCH64, a64.read), RET.ALLOW);
    assert.equal(run(AUDIT_ARCH.AARCH64, a64.personality, [8n]), RET.ALLOW);
    assert.equal(run(AUDIT_ARCH.AARCH64, a64.personality, [8n | (1n << 32n)]), ERRNO(1), '64-bit: the high word counts');
    assert.equal(run(AUDIT_ARCH.AARCH64, a64.openat), ERRNO(1));
    assert.equal(run(AUDIT_ARCH.AARCH64, a64.personality + 1), ERRNO(38), 'above the highest named: ENOSYS');
    assert.equal(run(AUDIT_ARCH.ARM, arm.read), RET.ALLOW);
    assert.equal(run(AUDIT_ARCH.ARM, arm.cacheflush), RET.ALLOW, 'an ARM private call (0xf0002)');
    assert.equal(run(AUDIT_ARCH.ARM, arm.personality, [8n | (1n << 32n)]), RET.ALLOW, '32-bit: the low word only');
    assert.equal(run(AUDIT_ARCH.ARM, arm.open), ERRNO(1));
    assert.equal(run(AUDIT_ARCH.X86_64, 0), RET.KILL_PROCESS, 'x86_64 is not in this filter');
  });

  it('the cache returns the same filter for the same content', () => {
    const sc = (): LinuxSeccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] });
    assert.equal(compileSeccompCached(sc(), X64), compileSeccompCached(sc(), X64));
  });
});

// ---- Fuzzing against a direct reading of the profile ----

/** A small deterministic PRNG (xorshift32), so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length], u32: next };
}

const ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'] as const;
const POOL = ['read', 'write', 'openat', 'personality', 'clone', 'socket', 'mmap', 'getcwd', 'kill', 'chmod', 'unshare', 'mount', 'keyctl', 'clone3', 'futex_waitv', 'bogus_name', 'cacheflush'];
const EDGE = [0n, 1n, 2n, 7n, 8n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 0xffffffff00000000n, 0xffffffffffffffffn];

function randomValue(r: ReturnType<typeof rng>): bigint {
  return r.int(3) === 0 ? (BigInt(r.u32()) << 32n) | BigInt(r.u32()) : r.pick(EDGE);
}

function randomProfile(r: ReturnType<typeof rng>): LinuxSeccomp {
  const syscalls: LinuxSyscall[] = [];
  for (let i = 0, n = r.int(12); i < n; i++) {
    const action = r.pick(ACTIONS);
    const names = Array.from({ length: 1 + r.int(3) }, () => r.pick(POOL));
    const args: LinuxSeccompArg[] = Array.from({ length: r.int(4) === 0 ? 0 : r.int(4) }, () => ({
      index: r.int(3),
      op: r.pick(SECCOMP_OPERATORS),
      value: randomValue(r).toString(),
      valueTwo: randomValue(r).toString(),
    }));
    const s: LinuxSyscall = { names, action };
    if ((action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') && r.int(2)) s.errnoRet = r.int(200);
    if (args.length) s.args = args;
    syscalls.push(s);
  }
  const defaultAction = r.pick(ACTIONS);
  const sc: LinuxSeccomp = { defaultAction, syscalls };
  if (defaultAction === 'SCMP_ACT_ERRNO' && r.int(2)) sc.defaultErrnoRet = r.pick([1, 38, 95]);
  const archs = (['SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86_64'] as const).filter(() => r.int(2));
  if (archs.length) sc.architectures = archs;
  return sc;
}

/** The profile's meaning, read directly (no intervals, no trees, no jumps). */
function expected(sc: LinuxSeccomp, arch: number, nr: number, args: bigint[]): number {
  const listed = new Set(['SCMP_ARCH_X86_64', ...(sc.architectures ?? [])]);
  let table: Readonly<Record<string, number>>;
  let bits = 64;
  if (arch === AUDIT_ARCH.X86_64) {
    if (nr >= 0x40000000 && nr !== 0xffffffff) {
      if (!listed.has('SCMP_ARCH_X32')) return RET.KILL_PROCESS;
      table = SYSCALLS.x32;
      bits = 32;
    } else table = SYSCALLS.x86_64;
  } else if (arch === AUDIT_ARCH.I386 && listed.has('SCMP_ARCH_X86')) {
    table = SYSCALLS.x86;
    bits = 32;
  } else return RET.KILL_PROCESS;
  const def = actionValue(sc.defaultAction, sc.defaultErrnoRet);
  const allowLike = ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(sc.defaultAction);
  const known = (sc.syscalls ?? []).flatMap((s) => s.names).filter((n) => table[n] !== undefined).map((n) => table[n]);
  if (!allowLike && def !== ERRNO(38) && known.length && nr > Math.max(...known)) return ERRNO(38);
  const word = (v: bigint) => (bits === 32 ? v & 0xffffffffn : v);
  const holds = (a: LinuxSeccompArg): boolean => {
    const x = word(args[a.index] ?? 0n);
    const v = word(BigInt(a.value));
    const v2 = word(BigInt(a.valueTwo ?? 0));
    switch (a.op) {
      case 'SCMP_CMP_EQ': return x === v;
      case 'SCMP_CMP_NE': return x !== v;
      case 'SCMP_CMP_LT': return x < v;
      case 'SCMP_CMP_LE': return x <= v;
      case 'SCMP_CMP_GT': return x > v;
      case 'SCMP_CMP_GE': return x >= v;
      case 'SCMP_CMP_MASKED_EQ': return (x & v) === v2;
    }
  };
  const entries = (sc.syscalls ?? []).filter((s) => s.names.some((n) => table[n] === nr)).map((s) => ({ s, ret: actionValue(s.action, s.errnoRet) })).filter((e) => e.ret !== def);
  const uncond = entries.find((e) => !e.s.args?.length);
  if (uncond) return uncond.ret;
  for (const { s, ret } of entries) {
    const a = s.args!;
    const split = new Set(a.map((x) => x.index)).size !== a.length;
    if (split ? a.some(holds) : a.every(holds)) return ret;
  }
  return def;
}

describe('seccomp compiler: fuzzed profiles against a BPF interpreter', () => {
  it('600 random profiles, 60 calls each, decide as the profile reads', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const r = rng(seed * 2654435761);
      const sc = randomProfile(r);
      checkSeccomp(sc);
      const f = compileSeccomp(sc, X64);
      const values = (sc.syscalls ?? []).flatMap((s) => (s.args ?? []).flatMap((a) => [BigInt(a.value), BigInt(a.valueTwo ?? 0)]));
      const near = (v: bigint) => BigInt.asUintN(64, v + BigInt(r.int(3)) - 1n);
      for (let i = 0; i < 60; i++) {
        const arch = r.pick([AUDIT_ARCH.X86_64, AUDIT_ARCH.X86_64, AUDIT_ARCH.I386, AUDIT_ARCH.AARCH64]);
        const table = arch === AUDIT_ARCH.I386 ? SYSCALLS.x86 : r.int(5) === 0 ? SYSCALLS.x32 : SYSCALLS.x86_64;
        const name = r.pick(POOL);
        const nr = r.int(8) === 0 ? r.pick([0, 1, 0x3fffffff, 0x40000000, 0x7fffffff, 0xfffffffe, 0xffffffff, 999]) : ((table[name] ?? r.int(500)) + r.int(3) - (r.int(4) === 0 ? 1 : 0)) >>> 0;
        const args = Array.from({ length: 6 }, () => (values.length && r.int(3) ? near(r.pick(values)) : randomValue(r)));
        const got = runFilter(f.program, { nr, arch, args });
        const want = expected(sc, arch, nr, args);
        if (got !== want)
          assert.fail(`seed ${seed}: arch ${hex(arch)} nr ${hex(nr)} args ${args.map((a) => a.toString(16)).join(',')}: got ${hex(got)}, want ${hex(want)}\n${JSON.stringify(sc)}`);
      }
    }
  });
});

describe('seccomp validation names the field', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown action', { defaultAction: 'SCMP_ACT_NOPE' }, /linux\.seccomp\.defaultAction: unknown action "SCMP_ACT_NOPE"/],
    ['unknown arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] }, /linux\.seccomp\.architectures\[0\]: unknown architecture "SCMP_ARCH_VAX"/],
    ['unknown flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }, /linux\.seccomp\.flags\[0\]: unknown flag/],
    ['unknown operator', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }, { names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_XX' }] }] }, /linux\.seccomp\.syscalls\[1\]\.args\[0\]\.op: unknown operator "SCMP_CMP_XX"/],
    ['an arg index above 5', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /linux\.seccomp\.syscalls\[0\]\.args\[0\]\.index: must be an argument index from 0 to 5, got 6/],
    ['a negative errnoRet', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: -1 }] }, /linux\.seccomp\.syscalls\[0\]\.errnoRet: must be an integer between 0 and 65535, got -1/],
    ['a fractional defaultErrnoRet', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1.5 }, /linux\.seccomp\.defaultErrnoRet: must be an integer/],
    ['errnoRet on an action without one', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }, /linux\.seccomp\.syscalls\[0\]\.errnoRet: is only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_KILL/],
    ['a value beyond uint64', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: '18446744073709551616', op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.value: must be an unsigned 64-bit integer/],
    ['empty names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, /linux\.seccomp\.syscalls\[0\]\.names: must name at least one syscall/],
    ['NOTIFY without a listener', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] }, /linux\.seccomp\.listenerPath: is required when an action is SCMP_ACT_NOTIFY/],
    ['NOTIFY on write', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }, /linux\.seccomp\.syscalls\[0\]\.names: SCMP_ACT_NOTIFY cannot be used for write/],
    ['NOTIFY as the default', { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/a.sock' }, /linux\.seccomp\.defaultAction: SCMP_ACT_NOTIFY cannot be the default/],
    ['metadata without a listener', { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }, /linux\.seccomp\.listenerMetadata: must not be set without listenerPath/],
  ];
  for (const [what, v, re] of cases) it(what, () => assert.throws(() => checkSeccomp(v), re));

  it('unknown syscall names pass (skipped when compiling, as runc)', () => {
    const sc: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_call'], action: 'SCMP_ACT_ERRNO' }] };
    checkSeccomp(sc);
    assert.equal(runFilter(compileSeccomp(sc, X64).program, { nr: 0, arch: AUDIT_ARCH.X86_64 }), RET.ALLOW);
  });
});
