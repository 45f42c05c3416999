import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSeccompProfile, PROFILE_ARCHES } from '../../src/engine/seccomp/default-profile.ts';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import { CAPABILITIES } from '../../src/oci/linux.ts';
import {
  type LinuxSeccomp, SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_OPERATORS, type SeccompAction,
} from '../../src/oci/spec.ts';
import { validateSpec } from '../../src/oci/validate.ts';

const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** What the profile does with a call: the rules naming it whose every argument matches (they are
 * ORed), else the default; the 64-bit values compared as BigInt. */
function decide(p: LinuxSeccomp, name: string, args: bigint[] = []): { action: SeccompAction; errno?: number } {
  const cmp = (op: string, a: bigint, v: bigint, v2: bigint) => ({
    SCMP_CMP_NE: a !== v, SCMP_CMP_LT: a < v, SCMP_CMP_LE: a <= v, SCMP_CMP_EQ: a === v, SCMP_CMP_GE: a >= v,
    SCMP_CMP_GT: a > v, SCMP_CMP_MASKED_EQ: (a & v) === v2,
  })[op];
  const hits = (p.syscalls ?? []).filter((r) => r.names.includes(name) &&
    (r.args ?? []).every((c) => cmp(c.op, args[c.index] ?? 0n, BigInt(c.value), BigInt(c.valueTwo ?? 0))));
  const actions = new Set(hits.map((r) => `${r.action}/${r.errnoRet ?? ''}`));
  assert.ok(actions.size <= 1, `${name}: rules disagree (${[...actions]})`);
  return hits.length ? { action: hits[0].action, errno: hits[0].errnoRet } : { action: p.defaultAction, errno: p.defaultErrnoRet };
}
const allowed = (p: LinuxSeccomp, name: string, args?: bigint[]) => decide(p, name, args).action === 'SCMP_ACT_ALLOW';

/** Shape as runtime-spec 1.3's schema has it (config-linux.md, seccomp). */
function checkShape(p: LinuxSeccomp): void {
  assert.ok((SECCOMP_ACTIONS as readonly string[]).includes(p.defaultAction));
  assert.ok(Number.isInteger(p.defaultErrnoRet) && p.defaultErrnoRet! >= 0);
  for (const a of p.architectures ?? []) assert.ok((SECCOMP_ARCHES as readonly string[]).includes(a), a);
  for (const [i, r] of (p.syscalls ?? []).entries()) {
    assert.ok(r.names.length > 0 && r.names.every((n) => /^[a-z_][a-z0-9_]*$/.test(n)), `syscalls[${i}].names`);
    assert.ok((SECCOMP_ACTIONS as readonly string[]).includes(r.action), `syscalls[${i}].action`);
    if (r.errnoRet !== undefined) assert.ok(r.action === 'SCMP_ACT_ERRNO' && Number.isInteger(r.errnoRet), `syscalls[${i}].errnoRet`);
    for (const a of r.args ?? []) {
      assert.ok(Number.isInteger(a.index) && a.index >= 0 && a.index <= 5, `syscalls[${i}].args.index`);
      assert.ok((SECCOMP_OPERATORS as readonly string[]).includes(a.op), `syscalls[${i}].args.op`);
      for (const v of [a.value, a.valueTwo ?? 0]) assert.ok(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** 64);
    }
  }
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'plain JSON data');
}

describe('the default seccomp profile', () => {
  it('has runtime-spec\'s shape for every architecture and capability set', () => {
    for (const arch of Object.keys(PROFILE_ARCHES))
      for (const capabilities of [[], DOCKER_CAPS, [...CAPABILITIES]]) checkShape(defaultSeccompProfile({ capabilities, arch }));
  });

  it('is accepted by config validation', () => {
    const spec = defaultSpec();
    spec.linux!.seccomp = defaultSeccompProfile({ capabilities: spec.process!.capabilities!.bounding! });
    assert.doesNotThrow(() => validateSpec(JSON.parse(JSON.stringify(spec))));
  });

  it('refuses what it does not name with EPERM, and serves the architectures the host kernel runs', () => {
    const p = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: 'x64' });
    assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(p.defaultErrnoRet, 1);
    assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(defaultSeccompProfile({ capabilities: [], arch: 'arm64' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.throws(() => defaultSeccompProfile({ capabilities: [], arch: 'mips' }), /no default seccomp profile for architecture "mips"/);
  });

  it('allows what a normal workload calls, and refuses the kernel keyring, kexec, swap and the like to every container', () => {
    const every = defaultSeccompProfile({ capabilities: [...CAPABILITIES], arch: 'x64' });
    const docker = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: 'x64' });
    for (const name of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'rt_sigaction', 'wait4', 'pipe2', 'fork',
      'getdents64', 'statx', 'epoll_wait', 'accept4', 'setuid', 'capset', 'arch_prctl', 'chroot'])
      assert.ok(allowed(docker, name), name);
    for (const name of ['keyctl', 'add_key', 'request_key', 'kexec_load', 'kexec_file_load', 'swapon', 'swapoff',
      'userfaultfd', 'pivot_root', 'io_uring_setup', 'io_uring_enter', 'nfsservctl', 'uselib', 'lsm_set_self_attr'])
      for (const p of [docker, every]) assert.deepEqual(decide(p, name), { action: 'SCMP_ACT_ERRNO', errno: 1 }, name);
  });

  it('opens mount, unshare, setns and namespaced clone only with CAP_SYS_ADMIN; without, clone3 gets ENOSYS', () => {
    const without = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: 'x64' });
    const admin = defaultSeccompProfile({ capabilities: [...DOCKER_CAPS, 'CAP_SYS_ADMIN'], arch: 'x64' });
    const admin_only = ['mount', 'umount2', 'unshare', 'setns', 'fsopen', 'fsmount', 'move_mount', 'open_tree',
      'mount_setattr', 'sethostname', 'setdomainname', 'quotactl', 'bpf', 'perf_event_open', 'syslog', 'fanotify_init'];
    for (const name of admin_only) {
      assert.ok(!allowed(without, name), `${name} without CAP_SYS_ADMIN`);
      assert.ok(allowed(admin, name), `${name} with CAP_SYS_ADMIN`);
    }
    const threads = 0x3d0f00n; // glibc's pthread_create flags
    const newPidNs = 0x20000000n | 0x11n;
    assert.ok(allowed(without, 'clone', [0x1200011n]), 'fork-like clone');
    assert.ok(allowed(without, 'clone', [threads]));
    for (const ns of [0x20000n, 0x2000000n, 0x4000000n, 0x8000000n, 0x10000000n, 0x20000000n, 0x40000000n])
      assert.ok(!allowed(without, 'clone', [ns | 0x11n]), `clone with 0x${ns.toString(16)}`);
    assert.ok(allowed(admin, 'clone', [newPidNs]));
    assert.deepEqual(decide(without, 'clone3'), { action: 'SCMP_ACT_ERRNO', errno: 38 });
    assert.ok(allowed(admin, 'clone3'));
    // s390 passes clone's flags second.
    const s390 = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: 's390x' });
    assert.ok(allowed(s390, 'clone', [0n, 0x11n]));
    assert.ok(!allowed(s390, 'clone', [0n, newPidNs]));
  });

  it('opens each capability\'s system calls with it, and only with it', () => {
    const table: Record<string, string[]> = {
      CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise'],
      CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
      CAP_SYS_BOOT: ['reboot'],
      CAP_SYS_PACCT: ['acct'],
      CAP_SYS_RAWIO: ['iopl', 'ioperm'],
      CAP_SYS_TIME: ['settimeofday', 'clock_settime', 'clock_settime64', 'stime'],
      CAP_SYS_TTY_CONFIG: ['vhangup'],
      CAP_SYS_NICE: ['mbind', 'set_mempolicy', 'get_mempolicy', 'set_mempolicy_home_node'],
      CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
      CAP_SYSLOG: ['syslog'],
      CAP_BPF: ['bpf'],
      CAP_PERFMON: ['perf_event_open'],
    };
    const base = DOCKER_CAPS.filter((c) => c !== 'CAP_SYS_CHROOT');
    assert.ok(!allowed(defaultSeccompProfile({ capabilities: base, arch: 'x64' }), 'chroot'));
    assert.ok(allowed(defaultSeccompProfile({ capabilities: [...base, 'CAP_SYS_CHROOT'], arch: 'x64' }), 'chroot'));
    for (const [cap, names] of Object.entries(table)) {
      const without = defaultSeccompProfile({ capabilities: base, arch: 'x64' });
      const withCap = defaultSeccompProfile({ capabilities: [...base, cap], arch: 'x64' });
      for (const name of names) {
        assert.ok(!allowed(without, name), `${name} without ${cap}`);
        assert.ok(allowed(withCap, name), `${name} with ${cap}`);
      }
      // Nothing else changes: the capability adds its rule and no other.
      const added = (withCap.syscalls ?? []).filter((r) => !(without.syscalls ?? []).some((w) => JSON.stringify(w) === JSON.stringify(r)));
      assert.deepEqual(added.flatMap((r) => r.names).sort(), [...names].sort(), cap);
    }
  });

  it('allows the personalities a workload runs in and the query, and refuses the rest (ADDR_NO_RANDOMIZE)', () => {
    const p = defaultSeccompProfile({ capabilities: [...CAPABILITIES], arch: 'x64' });
    for (const v of [0x0n, 0x8n, 0x20000n, 0x20008n, 0xffffffffn]) assert.ok(allowed(p, 'personality', [v]), `0x${v.toString(16)}`);
    for (const v of [0x40000n, 0x40008n, 0x1n, 0x0400000n]) assert.ok(!allowed(p, 'personality', [v]), `0x${v.toString(16)}`);
  });

  it('refuses vsock sockets and allows the others', () => {
    const p = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: 'x64' });
    for (const family of [1n, 2n, 10n, 16n, 17n]) assert.ok(allowed(p, 'socket', [family]), `family ${family}`);
    assert.ok(!allowed(p, 'socket', [40n]));
  });

  it('has each architecture\'s own calls on that architecture only', () => {
    const on = (arch: string) => defaultSeccompProfile({ capabilities: [], arch });
    assert.ok(allowed(on('x64'), 'arch_prctl') && allowed(on('x64'), 'modify_ldt'));
    assert.ok(!allowed(on('arm64'), 'arch_prctl') && !allowed(on('arm64'), 'modify_ldt'));
    assert.ok(allowed(on('arm64'), 'set_tls') && !allowed(on('x64'), 'set_tls'));
    assert.ok(allowed(on('riscv64'), 'riscv_flush_icache') && !allowed(on('x64'), 'riscv_flush_icache'));
    assert.ok(allowed(on('s390x'), 's390_runtime_instr') && !allowed(on('arm64'), 's390_runtime_instr'));
  });
});
