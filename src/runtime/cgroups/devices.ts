// Which devices a container may open or make, decided here once for both
// kinds of host: as runc, everything is denied, then the config's rules apply
// in order, then the devices every container gets. The outcome is what v1's
// devices controller holds after those writes (its rules are exceptions to a
// default, and a later write edits the exception of exactly the same device
// numbers): v1 gets it written directly (v1Writes), pure v2 as an eBPF
// program (device-bpf.ts), so both hosts enforce the same thing.

import { ConfigError } from '../../oci/errors.ts';
import type { DeviceCgroupRule } from '../../oci/spec.ts';

/** Access bits as the kernel's eBPF device context has them (BPF_DEVCG_ACC_*). */
export const MKNOD = 1;
export const READ = 2;
export const WRITE = 4;
export const RWM = MKNOD | READ | WRITE;

/** An exception to the default: a device type, numbers (undefined: any) and access bits. */
export interface DeviceException {
  type: 'b' | 'c';
  major?: number;
  minor?: number;
  access: number;
}

export interface DeviceRules {
  /** Everything not excepted is allowed (v1's "a *:* rwm" in devices.list), or denied. */
  defaultAllow: boolean;
  /** Exceptions, all of the opposite verdict, each for distinct device numbers. */
  exceptions: DeviceException[];
}

const char = (major: number, minor?: number, access = 'rwm'): DeviceCgroupRule => ({ allow: true, type: 'c', major, minor, access });

/** runc's AllowedDevices, appended after the config's rules (so a config
 * cannot deny them): making any node, the null, zero, full, random, urandom,
 * tty and ptmx devices, the ptys (the console is one) and tun. runc's old
 * /dev/console (5:1) is left out: on the host it is the system console. */
export const DEFAULT_ALLOWED: readonly DeviceCgroupRule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  char(1, 3),
  char(1, 5),
  char(1, 7),
  char(1, 8),
  char(1, 9),
  char(5, 0),
  char(5, 2),
  char(136),
  char(10, 200),
];

export function accessBits(access = 'rwm'): number {
  let bits = 0;
  for (const ch of access) bits |= ch === 'm' ? MKNOD : ch === 'r' ? READ : ch === 'w' ? WRITE : 0;
  return bits;
}

export function accessString(bits: number): string {
  return `${bits & READ ? 'r' : ''}${bits & WRITE ? 'w' : ''}${bits & MKNOD ? 'm' : ''}`;
}

const num = (n: number | undefined) => (n === undefined ? '*' : String(n));

/** -1 is the config's other way to say any (Docker's). */
const anyIfNegative = (n: number | undefined) => (n === undefined || n < 0 ? undefined : n);

/** The rule as v1's devices.allow and devices.deny take it, e.g. "c 1:3 rwm". */
export function v1Line(e: DeviceException): string {
  return `${e.type} ${num(e.major)}:${num(e.minor)} ${accessString(e.access)}`;
}

/**
 * The rules after deny-all, the config's rules in order and DEFAULT_ALLOWED,
 * replayed as v1 would. One difference, runc's: a rule that would take access
 * away from part of a wildcard exception is refused, where v1 would silently
 * keep the wildcard (deny "c 1:5 rw" after allow "c *:* rw" leaves 1:5 open).
 */
export function deviceRules(configRules: readonly DeviceCgroupRule[] = []): DeviceRules {
  let defaultAllow = false;
  let exceptions = new Map<string, DeviceException>();
  const all = [...configRules, ...DEFAULT_ALLOWED];
  all.forEach((rule, i) => {
    const type = rule.type ?? 'a';
    if (type === 'a') {
      // Validation let through only "a *:* rwm": v1 switches the default and drops every exception.
      defaultAllow = rule.allow;
      exceptions = new Map();
      return;
    }
    const e: DeviceException = { type, major: anyIfNegative(rule.major), minor: anyIfNegative(rule.minor), access: accessBits(rule.access) };
    const key = `${type} ${num(e.major)}:${num(e.minor)}`;
    const old = exceptions.get(key)?.access ?? 0;
    if (rule.allow !== defaultAllow) {
      exceptions.set(key, { ...e, access: old | e.access });
      return;
    }
    const hole = wildcardsOver(e).find((w) => (exceptions.get(w)?.access ?? 0) & e.access);
    if (hole) {
      const field = i < configRules.length ? `linux.resources.devices[${i}]` : 'linux.resources.devices';
      const what = i < configRules.length ? `${rule.allow ? 'allowing' : 'denying'} ${v1Line(e)}` : `runts's default rule ${v1Line(e)}`;
      throw new ConfigError(field, `${what} would cut a hole in the wider rule ${v1Line(exceptions.get(hole)!)}, which the devices cgroup cannot do`);
    }
    if (old & ~e.access) exceptions.set(key, { ...e, access: old & ~e.access });
    else exceptions.delete(key);
  });
  return { defaultAllow, exceptions: [...exceptions.values()] };
}

/** Keys of the exceptions that cover e's devices with a wildcard e lacks. */
function wildcardsOver(e: DeviceException): string[] {
  const keys = [`${e.type} *:${num(e.minor)}`, `${e.type} ${num(e.major)}:*`, `${e.type} *:*`];
  return keys.filter((k) => k !== `${e.type} ${num(e.major)}:${num(e.minor)}`);
}

/** What to write, in order, to the container's new v1 devices cgroup: the
 * default ("a" to devices.deny or devices.allow, which also drops what the
 * cgroup inherited), then each exception to the other file. */
export function v1Writes(r: DeviceRules): { file: 'devices.allow' | 'devices.deny'; lines: string[] }[] {
  const [base, other] = r.defaultAllow ? (['devices.allow', 'devices.deny'] as const) : (['devices.deny', 'devices.allow'] as const);
  const writes: { file: 'devices.allow' | 'devices.deny'; lines: string[] }[] = [{ file: base, lines: ['a'] }];
  if (r.exceptions.length) writes.push({ file: other, lines: r.exceptions.map(v1Line) });
  return writes;
}

export type V1Write = { file: 'devices.allow' | 'devices.deny'; line: string };

/**
 * v1's devices.list as rules. It lists what is allowed, so a cgroup that
 * allows everything shows "a *:* rwm" and hides the exceptions it denies:
 * those come back as unknown (null), and a transition from there starts
 * over. A line runts cannot read is an error naming it.
 */
export function parseDevicesList(text: string): DeviceRules | null {
  const exceptions: DeviceException[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line);
    if (!m) throw new Error(`devices.list: unexpected line "${line}"`);
    if (m[1] === 'a') return null;
    const n = (s: string) => (s === '*' ? undefined : Number(s));
    exceptions.push({ type: m[1] as 'b' | 'c', major: n(m[2]), minor: n(m[3]), access: accessBits(m[4]) });
  }
  return { defaultAllow: false, exceptions };
}

const keyOf = (e: DeviceException) => `${e.type} ${num(e.major)}:${num(e.minor)}`;

/** Whether two rule sets decide alike (same default, same exceptions in any order). */
export function sameRules(a: DeviceRules, b: DeviceRules): boolean {
  if (a.defaultAllow !== b.defaultAllow || a.exceptions.length !== b.exceptions.length) return false;
  const bs = new Map(b.exceptions.map((e) => [keyOf(e), e.access]));
  return a.exceptions.every((e) => bs.get(keyOf(e)) === e.access);
}

/**
 * The fewest writes that turn a running container's v1 devices cgroup from
 * `from` into `to`, as runc's update does: an "a" only when the default
 * changes or the old exceptions are unknown (from null: the cgroup allowed
 * everything), since "a" drops every exception and, for a default deny,
 * leaves the container's processes unable to open even /dev/null until the
 * allow list is written again. Otherwise each exception loses the access the
 * new rules do not except, then gains what they add: what both sets decide
 * alike holds throughout.
 */
export function v1Transition(from: DeviceRules | null, to: DeviceRules): V1Write[] {
  // Exceptions are written to the file of the verdict opposite the default, and taken back through the other.
  const [except, unexcept] = to.defaultAllow ? (['devices.deny', 'devices.allow'] as const) : (['devices.allow', 'devices.deny'] as const);
  const writes: V1Write[] = [];
  let old: DeviceException[] = [];
  if (from === null || from.defaultAllow !== to.defaultAllow) writes.push({ file: to.defaultAllow ? 'devices.allow' : 'devices.deny', line: 'a' });
  else old = from.exceptions;
  const target = new Map(to.exceptions.map((e) => [keyOf(e), e.access]));
  const before = new Map(old.map((e) => [keyOf(e), e.access]));
  for (const e of old) {
    const dropped = e.access & ~(target.get(keyOf(e)) ?? 0);
    if (dropped) writes.push({ file: unexcept, line: v1Line({ ...e, access: dropped }) });
  }
  for (const e of to.exceptions) {
    const gained = e.access & ~(before.get(keyOf(e)) ?? 0);
    if (gained) writes.push({ file: except, line: v1Line({ ...e, access: gained }) });
  }
  return writes;
}
