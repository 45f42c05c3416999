// linux.seccomp's validation at the boundary. Its types and names (as in
// libseccomp's seccomp.h, which the runtime-spec takes them from) are in spec.ts.

import { ConfigError } from './errors.ts';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS, type SeccompAction } from './spec.ts';

export { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS };

export type SeccompFlag = (typeof SECCOMP_FLAGS)[number];

/** The errno an action may carry is 16 bits of the filter's return value. */
const MAX_ERRNO_RET = 0xffff;
const UINT64_MAX = 2n ** 64n - 1n;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** runc's reading: an object without a default action or syscalls asks for no filter. */
export function seccompRequested(v: unknown): boolean {
  if (!isObject(v)) return v !== undefined && v !== null;
  return v.defaultAction !== undefined || (Array.isArray(v.syscalls) && v.syscalls.length > 0);
}

function fail(field: string, message: string): never {
  throw new ConfigError(field, message);
}

function oneOf<T extends string>(v: unknown, names: readonly T[], field: string, what: string): T {
  if (typeof v !== 'string') fail(field, `must be a string, got ${describe(v)}`);
  if (!(names as readonly string[]).includes(v)) fail(field, `unknown ${what} "${v}" (valid: ${names.join(', ')})`);
  return v as T;
}

function uint64(v: unknown, field: string): void {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) fail(field, `${v} is too large for a number: give it as decimal text`);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || BigInt(v) > UINT64_MAX) fail(field, `must be an unsigned 64-bit integer, got ${describe(v)}`);
}

/** An errno the action can return: only ERRNO and TRACE carry one (the spec asks for an error otherwise). */
function errnoRet(v: unknown, action: SeccompAction, field: string): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ERRNO_RET)
    fail(field, `must be an integer between 0 and ${MAX_ERRNO_RET}, got ${describe(v)}`);
  if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') fail(field, `is only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${action}`);
}

/** Checks linux.seccomp; throws ConfigError naming the field (e.g. linux.seccomp.syscalls[3].args[0].op). */
export function checkSeccomp(v: unknown, base = 'linux.seccomp'): void {
  if (v === undefined || v === null) return;
  if (!isObject(v)) fail(base, `must be an object, got ${describe(v)}`);
  if (!seccompRequested(v)) return;
  const defaultAction = oneOf(v.defaultAction, SECCOMP_ACTIONS, `${base}.defaultAction`, 'action');
  // As runc: the runtime writes to its sync socket after loading the filter, and a
  // notified write would wait for an agent that has not been given the listener yet.
  if (defaultAction === 'SCMP_ACT_NOTIFY') fail(`${base}.defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action (the runtime must still write once the filter is loaded)');
  errnoRet(v.defaultErrnoRet, defaultAction, `${base}.defaultErrnoRet`);
  arrayOf(v.architectures, `${base}.architectures`).forEach((a, i) => oneOf(a, SECCOMP_ARCHES, `${base}.architectures[${i}]`, 'architecture'));
  arrayOf(v.flags, `${base}.flags`).forEach((f, i) => oneOf(f, SECCOMP_FLAGS, `${base}.flags[${i}]`, 'flag'));
  if (v.listenerPath !== undefined) {
    if (typeof v.listenerPath !== 'string' || !v.listenerPath.startsWith('/'))
      fail(`${base}.listenerPath`, `must be an absolute path, got ${describe(v.listenerPath)}`);
    // The runtime connects to it with a sockaddr_un, whose path holds 107 bytes.
    if (Buffer.byteLength(v.listenerPath) > 107) fail(`${base}.listenerPath`, 'is longer than a unix socket path may be (107 bytes)');
  }
  if (v.listenerMetadata !== undefined) {
    if (typeof v.listenerMetadata !== 'string') fail(`${base}.listenerMetadata`, `must be a string, got ${describe(v.listenerMetadata)}`);
    if (v.listenerPath === undefined) fail(`${base}.listenerMetadata`, 'must not be set without listenerPath');
  }
  let notify = false;
  arrayOf(v.syscalls, `${base}.syscalls`).forEach((s, i) => {
    const f = `${base}.syscalls[${i}]`;
    if (!isObject(s)) fail(f, `must be an object, got ${describe(s)}`);
    const names = arrayOf(s.names, `${f}.names`);
    if (names.length === 0) fail(`${f}.names`, 'must name at least one syscall');
    names.forEach((n, j) => {
      if (typeof n !== 'string' || n === '') fail(`${f}.names[${j}]`, `must be a syscall name, got ${describe(n)}`);
    });
    const action = oneOf(s.action, SECCOMP_ACTIONS, `${f}.action`, 'action');
    errnoRet(s.errnoRet, action, `${f}.errnoRet`);
    if (action === 'SCMP_ACT_NOTIFY') {
      notify = true;
      if (names.includes('write')) fail(`${f}.names`, 'SCMP_ACT_NOTIFY cannot be used for write (the runtime writes once the filter is loaded, before the agent has the listener)');
    }
    arrayOf(s.args, `${f}.args`).forEach((a, k) => {
      const af = `${f}.args[${k}]`;
      if (!isObject(a)) fail(af, `must be an object, got ${describe(a)}`);
      if (typeof a.index !== 'number' || !Number.isInteger(a.index) || a.index < 0 || a.index > 5)
        fail(`${af}.index`, `must be an argument index from 0 to 5, got ${describe(a.index)}`);
      uint64(a.value, `${af}.value`);
      if (a.valueTwo !== undefined) uint64(a.valueTwo, `${af}.valueTwo`);
      oneOf(a.op, SECCOMP_OPERATORS, `${af}.op`, 'operator');
    });
  });
  if (notify && v.listenerPath === undefined) fail(`${base}.listenerPath`, 'is required when an action is SCMP_ACT_NOTIFY (the agent is reached there)');
}

function arrayOf(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field, `must be an array, got ${describe(v)}`);
  return v;
}
