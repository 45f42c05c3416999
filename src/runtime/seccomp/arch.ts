// The architectures the seccomp compiler serves: the AUDIT_ARCH_* value the
// kernel puts in seccomp_data.arch, the syscall table, and the argument width.

import { SYSCALLS } from './tables.ts';

export interface Arch {
  /** AUDIT_ARCH_* (linux/audit.h). x86_64 and x32 share one: x32 numbers carry bit 30. */
  audit: number;
  table: Readonly<Record<string, number>>;
  /** Width of the arguments compared: a 32-bit arch's are compared on their low word, as libseccomp does. */
  bits: 32 | 64;
}

export const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
} as const;

/** __X32_SYSCALL_BIT: libseccomp and the kernel take every number from it up as x32's. */
export const X32_SYSCALL_BIT = 0x40000000;

export const ARCHS: Readonly<Record<string, Arch>> = {
  SCMP_ARCH_X86_64: { audit: AUDIT_ARCH.X86_64, table: SYSCALLS.x86_64, bits: 64 },
  SCMP_ARCH_X32: { audit: AUDIT_ARCH.X86_64, table: SYSCALLS.x32, bits: 32 },
  SCMP_ARCH_X86: { audit: AUDIT_ARCH.I386, table: SYSCALLS.x86, bits: 32 },
  SCMP_ARCH_AARCH64: { audit: AUDIT_ARCH.AARCH64, table: SYSCALLS.aarch64, bits: 64 },
  SCMP_ARCH_ARM: { audit: AUDIT_ARCH.ARM, table: SYSCALLS.arm, bits: 32 },
};

/** The host's own, always in the filter (libseccomp adds it whatever the list says). */
export function nativeArch(arch: string = process.arch): string | undefined {
  return { x64: 'SCMP_ARCH_X86_64', ia32: 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM' }[arch];
}
