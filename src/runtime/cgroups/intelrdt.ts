// linux.intelRdt on the resctrl filesystem, as runtime-spec 1.3 and runc
// have it: a CTRL_MON group (closID, else the container's id) whose
// schemata file takes the config's lines, an optional MON group of the
// container's id below it, and the init joining through the group's tasks
// file (a plan's cgroup join: resctrl takes "0" for the writer, and children
// inherit the group). Planned here against the facts of the resctrl tree;
// a host without resctrl gets an error naming linux.intelRdt.

import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, RuntimeError } from '../../oci/errors.ts';
import type { IntelRdt } from '../../oci/spec.ts';
import type { CgroupFacts } from './resources.ts';

export interface RdtPlacement {
  /** The CTRL_MON group's directory. */
  dir: string;
  /** The tasks file the container's processes join. */
  tasks: string;
  /** Directories to make, shallowest first. */
  make: string[];
  /** Lines for dir/schemata, in the order the spec asks. */
  schemata: string[];
  /** What delete removes, deepest first: what runts made and the spec lets it remove. */
  remove: string[];
}

/** The resctrl mount point in mountinfo text; undefined without one. */
export function resctrlMount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.startsWith('resctrl ')) return left.split(' ')[4];
  }
  return undefined;
}

/** Where resctrl is mounted here, if it is (read when a config asks for Intel RDT). */
export function resctrlRoot(): string | undefined {
  return resctrlMount(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** "L3:0=7f0;1=1f" as its resource and domain values (masks as numbers, so padding does not count). */
function parseLine(line: string): [string, Map<string, number>] {
  const [res, doms = ''] = line.trim().split(':');
  const radix = res.trim() === 'MB' ? 10 : 16;
  return [res.trim(), new Map(doms.split(';').filter(Boolean).map((d) => {
    const [id, v] = d.split('=');
    return [id.trim(), parseInt(v, radix)];
  }))];
}

/** Whether the group's schemata file already holds every value of the lines asked for. */
function schemataHolds(file: string, lines: string[]): boolean {
  const have = new Map(file.split('\n').filter((l) => l.includes(':')).map(parseLine));
  return lines.every((l) => {
    const [res, doms] = parseLine(l);
    return [...doms].every(([id, v]) => have.get(res)?.get(id) === v);
  });
}

export function planRdt(rdt: IntelRdt, id: string, root: string | undefined, facts: CgroupFacts): RdtPlacement {
  if (root === undefined) throw new ConfigError('linux.intelRdt', 'this host has no resctrl filesystem mounted (Intel RDT / AMD QoS), so it cannot be applied');
  const schemata = [...(rdt.l3CacheSchema?.split('\n') ?? []), ...(rdt.memBwSchema ? [rdt.memBwSchema] : []), ...(rdt.schemata ?? [])].filter((l) => l.trim() !== '');
  if (rdt.l3CacheSchema && !facts.exists(join(root, 'info'), 'L3'))
    throw new ConfigError('linux.intelRdt.l3CacheSchema', `this host has no L3 cache allocation (${root}/info/L3)`);
  if (rdt.memBwSchema && !facts.exists(join(root, 'info'), 'MB'))
    throw new ConfigError('linux.intelRdt.memBwSchema', `this host has no memory bandwidth allocation (${root}/info/MB)`);
  const dir = rdt.closID === '/' ? root : join(root, rdt.closID ?? id);
  const exists = facts.exists(dir, 'schemata');
  const make: string[] = [];
  const remove: string[] = [];
  if (!exists) {
    if (rdt.closID !== undefined && schemata.length === 0)
      throw new ConfigError('linux.intelRdt.closID', `${dir} does not exist, and without schemata runts may not make it`);
    make.push(dir);
    if (rdt.closID === undefined) remove.push(dir);
  } else if (rdt.closID !== undefined && schemata.length && !schemataHolds(facts.read(dir, 'schemata') ?? '', schemata)) {
    throw new ConfigError('linux.intelRdt.closID', `${dir} exists with other schemata than the config's`);
  }
  let tasks = join(dir, 'tasks');
  if (rdt.enableMonitoring) {
    if (!facts.exists(join(root, 'info'), 'L3_MON')) throw new ConfigError('linux.intelRdt.enableMonitoring', `this host has no resctrl monitoring (${root}/info/L3_MON)`);
    const mon = join(dir, 'mon_groups', id);
    make.push(mon);
    remove.unshift(mon);
    tasks = join(mon, 'tasks');
  }
  // An existing group takes no schemata from us: its lines were checked above.
  return { dir, tasks, make, schemata: exists ? [] : schemata, remove };
}

/** Makes the groups and writes the schemata; the caller removes p.remove on failure. */
export function applyRdt(p: RdtPlacement, root: string): void {
  for (const d of p.make) mkdirSync(d);
  writeSchemata(root, p.dir, p.schemata, 'linux.intelRdt');
}

/** One line per write (the kernel parses each on its own); a refusal carries the kernel's reason (info/last_cmd_status). */
export function writeSchemata(root: string, dir: string, lines: string[], field: string): void {
  for (const line of lines) {
    try {
      writeFileSync(join(dir, 'schemata'), `${line}\n`);
    } catch (e) {
      let why = '';
      try {
        why = ` (${readFileSync(join(root, 'info', 'last_cmd_status'), 'utf8').trim()})`;
      } catch {
        // Older kernels say nothing more.
      }
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      throw new RuntimeError(code, `${field}: cannot write "${line}" to ${join(dir, 'schemata')}: ${code}${why}`);
    }
  }
}

export function removeRdt(remove: string[]): void {
  for (const d of remove) {
    try {
      rmdirSync(d);
    } catch {
      // Gone already.
    }
  }
}
