// linux.resources as cgroup writes, decided here and nowhere else: which
// hierarchy holds each controller (v1's where it is mounted, else the v2
// cgroup's, so a hybrid host's unified hugetlb counts), which file takes each
// field and in what form (resources-v1.ts, resources-v2.ts). Pure: the files
// a cgroup has and the values it holds come in as facts, and the outcome is an
// ordered list of plain writes, each naming the field it came from. apply.ts
// makes them.

import { ConfigError } from '../../oci/errors.ts';
import type { LinuxResources } from '../../oci/spec.ts';
import type { Hierarchy } from './hierarchy.ts';
import { V1_PLANNERS } from './resources-v1.ts';
import { V2_PLANNERS } from './resources-v2.ts';

export interface ResourceWrite {
  /** The container's cgroup directory in one hierarchy. */
  dir: string;
  file: string;
  value: string;
  /** The config field it came from (linux.resources.memory.limit). */
  field: string;
  /** The kernel may refuse it until a later write of the plan is made (a
   * period before its quota): on EINVAL it is tried again after the rest. */
  retryLater?: boolean;
  /** Files holding a line per key (device numbers, an interface, an RDMA
   * device): this write's key, and the value that takes the key out again. */
  key?: string;
  clear?: string;
  /** Said along with the kernel's refusal. */
  hint?: string;
}

export interface ResourcePlan {
  writes: ResourceWrite[];
  warnings: string[];
}

/** What the planner needs to know of a cgroup directory. */
export interface CgroupFacts {
  exists(dir: string, file: string): boolean;
  /** The file's content; undefined when it cannot be read. */
  read(dir: string, file: string): string | undefined;
}

/** The container's cgroup in one hierarchy. */
export interface Target {
  dir: string;
  hierarchy: Hierarchy;
}

export type Controller = 'memory' | 'cpu' | 'cpuset' | 'pids' | 'blkio' | 'hugetlb' | 'net_cls' | 'net_prio' | 'rdma';

/** Writes for one controller's fields in one directory. */
export type ControllerPlanner = (r: LinuxResources, dir: string, facts: CgroupFacts, out: PlanOutput) => void;

export interface PlanOutput {
  at: string;
  update: boolean;
  write(w: Omit<ResourceWrite, 'dir' | 'field'> & { field: string }): void;
  warn(msg: string): void;
  fail(field: string, msg: string): never;
}

/** The v2 name of each controller (blkio is io there). */
export const V2_NAME: Record<Controller, string> = {
  memory: 'memory', cpu: 'cpu', cpuset: 'cpuset', pids: 'pids', blkio: 'io', hugetlb: 'hugetlb', net_cls: 'net_cls', net_prio: 'net_prio', rdma: 'rdma',
};

const set = (v: unknown) => v !== undefined && v !== null;
const nonZero = (v: unknown) => set(v) && v !== 0 && v !== '';

/** The first field of each controller that asks for something (0 and "" are
 * "unset" where runc takes them so; a pids limit of 0 is "no limit", as in
 * runc 1.2 and 1.3, since Podman writes 0 for --pids-limit -1). */
export function askedFields(r: LinuxResources): Partial<Record<Controller, string>> {
  const out: Partial<Record<Controller, string>> = {};
  const first = (c: Controller, obj: Record<string, unknown> | undefined, prefix: string, test: (k: string, v: unknown) => boolean) => {
    for (const [k, v] of Object.entries(obj ?? {})) if (test(k, v)) return void (out[c] ??= `${prefix}.${k}`);
  };
  const m = r.memory;
  first('memory', m, 'memory', (k, v) =>
    ['swappiness', 'useHierarchy'].includes(k) ? set(v) : k === 'disableOOMKiller' ? v === true : k === 'checkBeforeUpdate' ? false : nonZero(v));
  first('cpu', r.cpu, 'cpu', (k, v) => (k === 'cpus' || k === 'mems' ? false : k === 'burst' || k === 'idle' ? set(v) : nonZero(v)));
  first('cpuset', r.cpu, 'cpu', (k, v) => (k === 'cpus' || k === 'mems') && nonZero(v));
  first('pids', r.pids, 'pids', (_k, v) => set(v));
  first('blkio', r.blockIO, 'blockIO', (_k, v) => (Array.isArray(v) ? v.length > 0 : nonZero(v)));
  if (r.hugepageLimits?.length) out.hugetlb = 'hugepageLimits';
  first('net_cls', r.network, 'network', (k, v) => k === 'classID' && nonZero(v));
  first('net_prio', r.network, 'network', (k, v) => k === 'priorities' && Array.isArray(v) && v.length > 0);
  if (Object.keys(r.rdma ?? {}).length) out.rdma = 'rdma';
  return out;
}

/** The controllers a container's v2 cgroup needs enabled by its parents: on
 * a pure v2 host all the root offers (as runc, so usage is accounted even
 * without a limit), on a hybrid one those asked for that no v1 hierarchy has. */
export function v2ControllersWanted(r: LinuxResources | undefined, hierarchies: Hierarchy[], offered: string[]): string[] {
  if (hierarchies.every((h) => h.version === 2)) return offered;
  const v1 = new Set(hierarchies.flatMap((h) => h.controllers));
  return Object.keys(askedFields(r ?? {}))
    .filter((c) => !v1.has(c))
    .map((c) => V2_NAME[c as Controller])
    .filter((c) => offered.includes(c));
}

/**
 * The writes that give a container's cgroups its resources. update: the
 * writes change a running container's limits (checkBeforeUpdate is looked at,
 * against the usage the facts give). Throws ConfigError naming the field when
 * the host cannot apply it: no such controller, a knob the kernel dropped, a
 * v2-only key on v1.
 */
export function planResources(r: LinuxResources, targets: Target[], facts: CgroupFacts, opts: { update?: boolean; at?: string } = {}): ResourcePlan {
  const at = opts.at ?? 'linux.resources';
  const writes: ResourceWrite[] = [];
  const warnings: string[] = [];
  const pureV2 = targets.length > 0 && targets.every((t) => t.hierarchy.version === 2);
  const v2 = targets.find((t) => t.hierarchy.version === 2);
  const v2Enabled = v2 ? (facts.read(v2.dir, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean) : [];
  const fail = (field: string, msg: string): never => {
    throw new ConfigError(`${at}.${field}`, msg);
  };
  const asked = askedFields(r);
  for (const c of Object.keys(V1_PLANNERS) as Controller[]) {
    const field = asked[c];
    if (!field) continue;
    const v1 = targets.find((t) => t.hierarchy.version === 1 && t.hierarchy.controllers.includes(c));
    let dir: string;
    let planner: ControllerPlanner;
    const v2Planner = V2_PLANNERS[c];
    if (v1) [dir, planner] = [v1.dir, V1_PLANNERS[c]];
    else if (v2 && v2Planner && v2Enabled.includes(V2_NAME[c])) [dir, planner] = [v2.dir, v2Planner];
    else if (targets.length === 0) return fail(field, 'the container has no cgroups (rootless, and none could be made) to apply it to');
    else if (pureV2 && !v2Planner) return fail(field, `cgroup v2 has no ${c} controller`);
    else
      return fail(field, v2 && pureV2
        ? `the ${V2_NAME[c]} controller is not available to ${v2.dir} (not in its cgroup.controllers)`
        : `this host has no ${c} controller (not mounted as cgroup v1${v2 ? `, not in ${v2.dir}/cgroup.controllers` : ''})`);
    planner(r, dir, facts, {
      at,
      update: !!opts.update,
      write: (w) => writes.push({ ...w, dir, field: `${at}.${w.field}` }),
      warn: (msg) => warnings.push(msg),
      fail,
    });
  }
  const unified = Object.entries(r.unified ?? {});
  if (unified.length) {
    if (!pureV2 || !v2) return fail('unified', `cgroup v2 keys need a pure cgroup v2 host; this one has ${targets.length ? 'v1 controllers' : 'no cgroups for the container'}`);
    for (const [key, value] of unified) {
      const controller = key.slice(0, key.indexOf('.'));
      if (controller !== 'cgroup' && !v2Enabled.includes(controller)) fail(`unified.${key}`, `the ${controller} controller is not available to ${v2.dir}`);
      if (!facts.exists(v2.dir, key)) fail(`unified.${key}`, `${v2.dir} has no file ${key}`);
      // One line per write, as the kernel parses these files.
      for (const line of value.split('\n').filter((l) => l !== '')) writes.push({ dir: v2.dir, file: key, value: line, field: `${at}.unified.${key}` });
    }
  }
  return { writes, warnings };
}

/** A limit field as v1 takes it: -1 is unlimited there too. */
export const v1Num = (n: number) => String(n);

/** A limit as v2 takes it: -1 (unlimited) is "max". */
export const v2Num = (n: number) => (n === -1 ? 'max' : String(n));
