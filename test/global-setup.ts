// Leaves the host's cgroup roots as the suite found them. runts hands
// controllers down from a cgroup2 root when a container's limits need them
// (hugetlb from the unified mount on this hybrid host) and keeps them on, as
// runc does; the engine keeps its /berth and /berth-monitors parents, as
// Docker keeps /docker. Test files run in parallel, so no single file can
// know when the last user is gone: the runner's own teardown puts them back.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { removeEngineCgroups } from './helpers/engine.ts';

const UNIFIED_CONTROL = '/sys/fs/cgroup/unified/cgroup.subtree_control';
let before: string[] | undefined;

const controllers = () => readFileSync(UNIFIED_CONTROL, 'utf8').split(/\s+/).filter(Boolean);

export function globalSetup(): void {
  if (existsSync(UNIFIED_CONTROL)) before = controllers();
}

export function globalTeardown(): void {
  removeEngineCgroups();
  if (!before) return;
  for (const c of controllers()) {
    if (before.includes(c)) continue;
    try {
      writeFileSync(UNIFIED_CONTROL, `-${c}`);
    } catch (e) {
      process.stderr.write(`test teardown: could not turn ${c} off in ${UNIFIED_CONTROL}: ${(e as Error).message}\n`);
    }
  }
}
