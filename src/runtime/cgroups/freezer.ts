// pause and resume: the freezer. v1's freezer controller when the host has
// one (freezer.state, which passes through FREEZING), else the freezer every
// v2 cgroup has (cgroup.freeze, with "frozen 1" in cgroup.events once done).
// Both freeze the cgroups below too.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../oci/errors.ts';
import { type Hierarchy, hostHierarchies } from './hierarchy.ts';
import type { CgroupPlacement } from './manager.ts';

interface Freezer {
  dir: string;
  version: 1 | 2;
}

function freezerOf(p: CgroupPlacement, hierarchies: Hierarchy[]): Freezer | undefined {
  const under = (h: Hierarchy) => p.dirs.find((d) => d.startsWith(`${h.mountPoint}/`));
  for (const h of hierarchies) {
    const dir = under(h);
    if (dir && h.version === 1 && h.controllers.includes('freezer')) return { dir, version: 1 };
  }
  for (const h of hierarchies) {
    const dir = under(h);
    if (dir && h.version === 2) return { dir, version: 2 };
  }
  return undefined;
}

function frozen(f: Freezer): boolean {
  if (f.version === 1) return readFileSync(join(f.dir, 'freezer.state'), 'utf8').trim() === 'FROZEN';
  return /^frozen 1$/m.test(readFileSync(join(f.dir, 'cgroup.events'), 'utf8'));
}

/** Whether the container has a freezer (a cgroup that exists in a hierarchy that freezes). */
export function hasFreezer(p: CgroupPlacement, hierarchies = hostHierarchies()): boolean {
  const f = freezerOf(p, hierarchies);
  return !!f && existsSync(f.dir);
}

/** Whether the container's cgroup is frozen (false without one, or once it is gone). */
export function isFrozen(p: CgroupPlacement, hierarchies = hostHierarchies()): boolean {
  const f = freezerOf(p, hierarchies);
  try {
    return !!f && frozen(f);
  } catch {
    return false;
  }
}

/** Asks the kernel to freeze or thaw, without waiting. */
function request(f: Freezer, on: boolean): void {
  if (f.version === 1) writeFileSync(join(f.dir, 'freezer.state'), on ? 'FROZEN' : 'THAWED');
  else writeFileSync(join(f.dir, 'cgroup.freeze'), on ? '1' : '0');
}

/** Asks for a thaw without waiting for it (after a SIGKILL: v1's frozen processes take it only thawed). */
export function thawSoon(p: CgroupPlacement, hierarchies = hostHierarchies()): void {
  const f = freezerOf(p, hierarchies);
  if (f) request(f, false);
}

/** Freezes (or thaws) the container's cgroup and waits until the kernel has. */
export async function setFrozen(p: CgroupPlacement, on: boolean, hierarchies = hostHierarchies()): Promise<void> {
  const f = freezerOf(p, hierarchies);
  if (!f) throw new RuntimeError('ENOCGROUP', 'the container has no cgroup to freeze (runts ran rootless without one)');
  request(f, on);
  for (let i = 0; frozen(f) !== on; i++) {
    if (i > 2000) throw new RuntimeError('ETIMEDOUT', `the container's cgroup did not ${on ? 'freeze' : 'thaw'} within 10s`);
    // v1 can stall in FREEZING while a task is in an uninterruptible sleep; asking again moves it on.
    if (f.version === 1 && on && i % 20 === 19) request(f, true);
    await new Promise((r) => setTimeout(r, 5));
  }
}
