// Paths of a container's root filesystem, resolved from the host as the
// container would resolve them (openat2's RESOLVE_IN_ROOT, which Node cannot
// call): one component at a time, each opened O_PATH|O_NOFOLLOW relative to
// the fd of the directory before it (through /proc/self/fd/N/<name>, where
// the kernel follows only the magic link to that directory), symlinks read
// and resolved again from the root, ".." taken on the walked path and never
// above the root. A symlink to / or ../../ therefore lands in the root, and
// a directory swapped for a symlink midway cannot send the walk outside it:
// nothing is looked up again by path from the host's root. Bind mounts the
// container has (its volumes and binds) are walked into as the container
// sees them: the walk reaching a mount's destination continues in its
// source, a host directory or file the engine or the user chose.

import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { EngineError } from '../errors.ts';

/** O_PATH (Linux, every architecture Node runs on but alpha, sparc and parisc). */
export const O_PATH = 0o10000000;
const MAX_SYMLINKS = 40;

/** The name in the directory open as fd: the kernel follows the fd's magic link, then looks name up in that directory alone. */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** The entry name in directory dir, without following it if it is a symlink: an O_PATH fd and its stat; undefined if absent. */
export function openEntry(dir: number, name: string): { fd: number; st: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(at(dir, name), O_PATH | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return { fd, st: fstatSync(fd) };
}

/** A bind mount of the container: what is at its destination (a container path, normalized). */
export interface MountSource {
  source: string;
  readOnly: boolean;
}

export interface Resolved {
  /** O_PATH fd of the directory holding the final component (the root itself for "/"). */
  dir: number;
  /** The final component; undefined for the root itself. */
  name?: string;
  /** The final entry, O_PATH, if it exists (not followed when it is a symlink and followLast was false). */
  entry?: { fd: number; st: Stats };
  /** Whether what the final component is in (or is, for a mount's destination) is mounted read-only. */
  readOnly: boolean;
  /** The final component is a mount's destination: entry is the mount's source. */
  mounted?: boolean;
}

export class InRootError extends EngineError {
  readonly code: string;
  constructor(code: 'ENOENT' | 'ENOTDIR' | 'ELOOP', path: string, detail: string) {
    super(code === 'ENOENT' ? 'NotFound' : 'InvalidArgument', `${path}: ${detail}`);
    this.code = code;
  }
}

/** A root directory and the fds opened under it, all closed by close(). */
export class RootDir {
  readonly fd: number;
  private readonly fds = new Set<number>();
  private readonly mounts: Map<string, MountSource>;
  private readonly readOnly: boolean;

  /** mounts: by destination; readOnly: the root filesystem's own. */
  constructor(path: string, mounts = new Map<string, MountSource>(), readOnly = false) {
    this.fd = openSync(path, O_PATH | constants.O_DIRECTORY);
    this.mounts = mounts;
    this.readOnly = readOnly;
  }

  /** Keeps fd until close() (or release). */
  own(fd: number): number {
    this.fds.add(fd);
    return fd;
  }

  release(fd: number): void {
    if (fd !== this.fd && this.fds.delete(fd)) closeSync(fd);
  }

  close(): void {
    for (const fd of this.fds) closeSync(fd);
    this.fds.clear();
    closeSync(this.fd);
  }

  /**
   * Resolves path (absolute in the container, or relative to its root) to
   * its parent directory and final entry. Every symlink on the way is
   * followed inside the root; the final one only with followLast.
   */
  resolve(path: string, followLast: boolean): Resolved {
    const queue = path.split('/').filter((c) => c && c !== '.');
    // The walked directories: their fds, container paths and whether they are mounted read-only.
    const stack = [{ fd: this.fd, path: '', readOnly: this.readOnly }];
    let hops = 0;
    const top = () => stack[stack.length - 1];
    const parent = () => {
      const d = stack.length > 1 ? stack.pop()! : undefined;
      if (d !== undefined) this.release(d.fd);
    };
    while (queue.length) {
      const c = queue.shift()!;
      if (c === '..') {
        parent();
        continue;
      }
      const last = queue.length === 0;
      const here = `${top().path}/${c}`;
      const mount = this.mounts.get(here);
      const readOnly = mount ? mount.readOnly : top().readOnly;
      let e: { fd: number; st: Stats } | undefined;
      if (mount) {
        const fd = this.own(openSync(mount.source, O_PATH));
        e = { fd, st: fstatSync(fd) };
      } else {
        e = openEntry(top().fd, c);
        if (e) this.own(e.fd);
      }
      if (!e) {
        if (last) return { dir: top().fd, name: c, readOnly };
        throw new InRootError('ENOENT', path, `no such file or directory (at "${c}")`);
      }
      if (!mount && e.st.isSymbolicLink() && (!last || followLast)) {
        if (++hops > MAX_SYMLINKS) throw new InRootError('ELOOP', path, 'too many levels of symbolic links');
        const target = readlinkSync(at(top().fd, c));
        this.release(e.fd);
        if (target.startsWith('/')) while (stack.length > 1) parent();
        queue.unshift(...target.split('/').filter((x) => x && x !== '.'));
        continue;
      }
      if (last) return { dir: top().fd, name: c, entry: e, readOnly, ...(mount && { mounted: true }) };
      if (!e.st.isDirectory()) throw new InRootError('ENOTDIR', path, `not a directory (at "${c}")`);
      stack.push({ fd: e.fd, path: here, readOnly });
    }
    // The path named the root, or a directory reached by "..": its own entry.
    const dir = top();
    return { dir: dir.fd, entry: { fd: dir.fd, st: fstatSync(dir.fd) }, readOnly: dir.readOnly };
  }
}
