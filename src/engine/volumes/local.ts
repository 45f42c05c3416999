// The local driver on disk: <root>/volumes/<name>/_data, and the filesystem
// its options name mounted there, by system call (the host addon), while a
// container uses it.

import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { hostCalls } from '../../native/host.ts';
import type { EngineContext } from '../context.ts';
import { planMount, MS } from './options.ts';
import type { VolumeRow } from './store.ts';

const UMOUNT_NOFOLLOW = 8;

export function volumesDir(ctx: EngineContext): string {
  return join(ctx.root, 'volumes');
}

/** The volume's directory, checked to lie inside the store (names are validated; this is the second line). */
export function volumeDir(ctx: EngineContext, name: string): string {
  const base = resolve(volumesDir(ctx));
  const dir = resolve(base, name);
  const rel = relative(base, dir);
  if (!rel || rel.startsWith('..') || rel.includes('/')) throw new Error(`volume name ${JSON.stringify(name)} leaves ${base}`);
  return dir;
}

export function dataPath(ctx: EngineContext, name: string): string {
  return join(volumeDir(ctx, name), '_data');
}

export function makeDirs(ctx: EngineContext, name: string): string {
  mkdirSync(volumeDir(ctx, name), { recursive: true, mode: 0o701 });
  const data = dataPath(ctx, name);
  mkdirSync(data, { recursive: true, mode: 0o755 });
  return data;
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => unescapeMountinfo(l.split(' ')[4]));
}

/** Mount points at or below dir. */
export function mountPointsUnder(dir: string): string[] {
  const d = resolve(dir);
  return mountPoints().filter((m) => m === d || m.startsWith(`${d}/`));
}

export function isMounted(path: string): boolean {
  return mountPoints().includes(resolve(path));
}

/** Mounts the volume's filesystem on _data unless it is there already (a volume without options has nothing to mount). */
export function mountVolume(ctx: EngineContext, v: VolumeRow): void {
  const data = makeDirs(ctx, v.name);
  if (!Object.keys(v.options).length || isMounted(data)) return;
  const plan = planMount(v.options);
  const host = hostCalls();
  try {
    host.mount(plan.source, data, plan.fstype, plan.flags, plan.data, '');
    if (plan.propagation) host.mount('', data, '', plan.propagation, '', '');
    if (plan.remountReadOnly) host.mount('', data, '', plan.flags | MS.REMOUNT, '', '');
  } catch (e) {
    unmountVolume(ctx, v.name);
    throw new Error(`volume ${v.name}: mount ${plan.fstype} ${plan.source} (o=${v.options.o ?? ''}): ${(e as Error).message}`, { cause: e });
  }
}

/** Unmounts whatever is mounted on the volume's _data (nothing is no error). */
export function unmountVolume(ctx: EngineContext, name: string): void {
  const data = dataPath(ctx, name);
  for (;;) {
    try {
      hostCalls().umount2(data, UMOUNT_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return;
      throw new Error(`volume ${name}: unmount ${data}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Removes the volume's directory, after making sure nothing is mounted in it: a recursive removal would go through a bind into the host. */
export function removeDirs(ctx: EngineContext, name: string): void {
  unmountVolume(ctx, name);
  const dir = volumeDir(ctx, name);
  const under = mountPointsUnder(dir);
  if (under.length) throw new Error(`volume ${name}: ${under.join(', ')} still mounted; not removing ${dir}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Bytes of the regular files under _data (Docker's volume size). */
export function dataSize(ctx: EngineContext, name: string): number {
  return treeSize(dataPath(ctx, name));
}

/** Bytes of the regular files under path, each inode once, not crossing into other filesystems (Docker's directory size). */
export function treeSize(path: string): number {
  let root;
  try {
    root = lstatSync(path);
  } catch {
    return 0;
  }
  const seen = new Set<number>();
  let total = 0;
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.dev !== root.dev) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  walk(path);
  return total;
}
