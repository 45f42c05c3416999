// A container's processes when it has no cgroups to list them (rootless,
// without permission to make any). With a pid namespace of its own: every
// process in it (processes `exec` added are not the init's descendants: their
// parent was the executor, outside), plus the descendants of those, which
// takes in pid namespaces nested below. Sharing ours: the init's descendants.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // gone meanwhile
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim()) out.push(Number(child));
    } catch {
      // The thread ended.
    }
  }
  return out;
}

function pidNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

export function containerProcesses(init: number): number[] {
  const ns = pidNamespace(init);
  const seeds = [init];
  if (ns && ns !== pidNamespace('self')) {
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid !== init && pidNamespace(pid) === ns) seeds.push(pid);
    }
  }
  const found = new Set<number>();
  const todo = [...seeds];
  while (todo.length) {
    const pid = todo.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    todo.push(...children(pid));
  }
  return [...found].sort((a, b) => a - b);
}
