// What the guest checks share: the context the checks run in, and helpers to
// wait, run a one-off container and set up a delegating parent cgroup. Each
// concern's checks live in a module of their own beside this one and are
// listed, in order, by ../vm-checks.ts.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bundle, makeBundle, uniqueId } from '../bundle.ts';
import { addImageNodes } from '../device-probe.ts';
import type { Runts } from '../runts.ts';

export const CG = '/sys/fs/cgroup';

export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

export interface Ctx {
  runts: Runts;
  /** The detached container the middle checks share. */
  id: string;
  pid: number;
  bundle?: Bundle;
  /** Every cgroup directory before the first check. */
  before: string[];
}

/** Root, mount options and type of the mount at a point, from mountinfo text. */
export function mountAt(mountinfo: string, point: string): { root: string; options: string; fstype: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    const f = left.split(' ');
    if (f[4] === point) return { root: f[3], options: f[5], fstype: right.split(' ')[0] };
  }
  return undefined;
}

export function cgroupDirs(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      out.push(join(d, e.name));
      walk(join(d, e.name));
    }
  };
  walk(CG);
  return out.sort();
}

export const procsOf = (dir: string) => readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

export async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a script in a fresh busybox container; returns the result, not asserting success. */
export function runOnce(c: Ctx, script: string, edit?: Parameters<typeof makeBundle>[0]) {
  const b = makeBundle(edit, ['sh', '-c', script]);
  const id = uniqueId('v2');
  try {
    return { id, ...c.runts.run(['run', '--bundle', b.dir, id]) };
  } finally {
    b.cleanup();
  }
}

/** Runs the device probe in a fresh container whose image carries device nodes. */
export function runProbe(c: Ctx, script: string, edit: Parameters<typeof makeBundle>[0]) {
  const b = makeBundle(edit, ['sh', '-c', script]);
  addImageNodes(b);
  const id = uniqueId('v2');
  try {
    return { id, ...c.runts.run(['run', '--bundle', b.dir, id]) };
  } finally {
    b.cleanup();
  }
}

export function assertGone(c: Ctx, id: string, dir: string): void {
  assert.ok(!existsSync(dir), `${dir} left behind`);
  assert.ok(!existsSync(join(c.runts.root, id)), `state of ${id} left behind`);
}

/** Runs fn with a cgroup /name that hands controller to its children
 * (enabled from the root down, as a delegating manager would), then removes
 * it and restores the root's subtree_control. */
export async function underParent(name: string, controller: string, fn: (parent: string) => Promise<void>): Promise<void> {
  const parent = join(CG, name);
  const rootControl = join(CG, 'cgroup.subtree_control');
  const had = readFileSync(rootControl, 'utf8').split(/\s/).includes(controller);
  mkdirSync(parent);
  let failed = true;
  try {
    if (!had) writeFileSync(rootControl, `+${controller}`);
    writeFileSync(join(parent, 'cgroup.subtree_control'), `+${controller}`);
    await fn(parent);
    failed = false;
  } finally {
    // After a failure a container may be left in it (the last check deletes
    // it): the failure is what is reported, not the cleanup's EBUSY.
    try {
      rmdirSync(parent);
      if (!had) writeFileSync(rootControl, `-${controller}`);
    } catch (e) {
      if (!failed) throw e;
    }
  }
}

export interface Check {
  name: string;
  run: (c: Ctx) => void | Promise<void>;
}

