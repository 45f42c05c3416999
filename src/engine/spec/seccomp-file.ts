// --security-opt seccomp=PROFILE.json: a profile in Docker's format (the
// runtime-spec's linux.seccomp with archMap, and per-rule includes and
// excludes by capability, architecture and kernel version), made into the
// runtime-spec's for this host and this container's capabilities, as moby's
// profiles/seccomp does. A plain linux.seccomp object is one too.

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { LinuxSeccomp } from '../../oci/spec.ts';
import { checkSeccomp } from '../../oci/seccomp.ts';
import { parseJson } from '../../oci/validate.ts';
import { PROFILE_ARCHES, type ProfileArch } from '../seccomp/default-profile.ts';
import { asInvalid, invalid } from './check.ts';

const FIELD = 'security.seccomp';
const FLAG = '--security-opt seccomp';

/** Node's architecture names as Go's, which Docker's profiles use. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', loong64: 'loong64' };

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function kernelAtLeast(min: string, kernel: string): boolean {
  const parse = (s: string) => (/^(\d+)\.(\d+)/.exec(s) ?? []).slice(1).map(Number);
  const [a, b] = parse(kernel);
  const [c, d] = parse(min);
  if (c === undefined) throw invalid(FIELD, FLAG, `minKernel "${min}" is not a kernel version (5.8)`);
  return a > c || (a === c && b >= d);
}

export interface ProfileContext {
  capabilities: readonly string[];
  arch?: string;
  kernel?: string;
}

export function convertProfile(raw: unknown, ctx: ProfileContext): LinuxSeccomp {
  if (!isObj(raw)) throw invalid(FIELD, FLAG, 'the profile is not a JSON object');
  const arch = ctx.arch ?? process.arch;
  const kernel = ctx.kernel ?? release();
  const goarch = GOARCH[arch] ?? arch;
  const out: Obj = {};
  for (const k of ['defaultAction', 'defaultErrnoRet', 'architectures', 'flags', 'listenerPath', 'listenerMetadata']) if (raw[k] !== undefined) out[k] = raw[k];
  if (Array.isArray(raw.archMap) && raw.archMap.length) {
    if (Array.isArray(raw.architectures) && raw.architectures.length) throw invalid(FIELD, FLAG, 'the profile has both architectures and archMap');
    const native = arch in PROFILE_ARCHES ? PROFILE_ARCHES[arch as ProfileArch][0] : undefined;
    const entry = raw.archMap.find((a) => isObj(a) && a.architecture === native) as Obj | undefined;
    if (entry) out.architectures = [entry.architecture, ...(Array.isArray(entry.subArchitectures) ? entry.subArchitectures : [])];
  }
  const caps = new Set(ctx.capabilities);
  const syscalls: Obj[] = [];
  (Array.isArray(raw.syscalls) ? raw.syscalls : []).forEach((s: unknown, i: number) => {
    if (!isObj(s)) throw invalid(`${FIELD}.syscalls[${i}]`, FLAG, 'is not an object');
    if (s.name !== undefined && s.names !== undefined) throw invalid(`${FIELD}.syscalls[${i}]`, FLAG, 'has both name and names');
    const inc = (isObj(s.includes) ? s.includes : {}) as Filter;
    const exc = (isObj(s.excludes) ? s.excludes : {}) as Filter;
    if (exc.arches?.includes(goarch)) return;
    if (exc.caps?.some((c) => caps.has(c))) return;
    if (exc.minKernel && kernelAtLeast(exc.minKernel, kernel)) return;
    if (inc.arches?.length && !inc.arches.includes(goarch)) return;
    if (inc.caps?.some((c) => !caps.has(c))) return;
    if (inc.minKernel && !kernelAtLeast(inc.minKernel, kernel)) return;
    const rule: Obj = { names: s.name !== undefined ? [s.name] : s.names, action: s.action };
    for (const k of ['errnoRet', 'args']) if (s[k] !== undefined) rule[k] = s[k];
    syscalls.push(rule);
  });
  if (syscalls.length) out.syscalls = syscalls;
  asInvalid(FIELD, FLAG, () => checkSeccomp(out, 'profile'));
  return out as unknown as LinuxSeccomp;
}

export function loadProfile(path: string, ctx: ProfileContext): LinuxSeccomp {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(FIELD, FLAG, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const raw = asInvalid(FIELD, FLAG, () => parseJson(text));
  return convertProfile(raw, ctx);
}
