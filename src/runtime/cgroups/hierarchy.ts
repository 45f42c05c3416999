// Which cgroup hierarchies this host has: v1 controllers, a v2 unified
// hierarchy, or both (hybrid). Read from mountinfo and /proc/self/cgroup.

import { readFileSync } from 'node:fs';

export interface Hierarchy {
  /** Mount point on the host, e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup. */
  mountPoint: string;
  /** Path of the mount's root within the hierarchy (usually "/"). */
  root: string;
  version: 1 | 2;
  /** v1 controllers (or name=...) of this hierarchy; empty for v2. */
  controllers: string[];
  /** This process's cgroup in the hierarchy. */
  current: string;
}

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export function parseMountinfo(text: string): { mountPoint: string; root: string; fstype: string; superOptions: string[] }[] {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const f = left.split(' ');
    const [fstype, , superOpts] = right.split(' ');
    out.push({ mountPoint: unescape(f[4]), root: unescape(f[3]), fstype, superOptions: superOpts.split(',') });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

export function parseProcCgroup(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match) m.set(match[2], match[3]);
  }
  return m;
}

export function hierarchiesFrom(mountinfo: string, procCgroup: string): Hierarchy[] {
  const current = parseProcCgroup(procCgroup);
  const seen = new Set<string>();
  const out: Hierarchy[] = [];
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype === 'cgroup2') {
      if (seen.has('')) continue;
      seen.add('');
      out.push({ mountPoint: m.mountPoint, root: m.root, version: 2, controllers: [], current: current.get('') ?? '/' });
    } else if (m.fstype === 'cgroup') {
      const controllers = m.superOptions.filter((o) => !['rw', 'ro', 'relatime', 'noprefix', 'clone_children', 'xattr'].includes(o) && !o.startsWith('release_agent'));
      const key = [...controllers].sort().join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ mountPoint: m.mountPoint, root: m.root, version: 1, controllers, current: current.get(controllers.join(',')) ?? current.get(key) ?? '/' });
    }
  }
  return out;
}

let cached: Hierarchy[] | undefined;

export function hostHierarchies(): Hierarchy[] {
  cached ??= hierarchiesFrom(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  return cached;
}

export function cgroupMode(hierarchies: Hierarchy[]): CgroupMode {
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  return v1 && v2 ? 'hybrid' : v2 ? 'v2' : 'v1';
}
