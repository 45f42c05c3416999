// Paths of a container's root filesystem, resolved from the host as the
// container would resolve them (openat2's RESOLVE_IN_ROOT, which Node cannot
// call): one component at a time, each opened O_PATH|O_NOFOLLOW relative to
// the fd of the directory before it (through /proc/self/fd/N/<name>, where
// the kernel follows only the magic link to that directory), symlinks read
// and resolved again from the root, ".." taken on the walked path and never
// above the root. A symlink to / or ../../ therefore lands in the root, and
// a directory swapped for a symlink midway cannot send the walk outside it:
// nothing is looked up again by path from the host's root.

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

export interface Resolved {
  /** O_PATH fd of the directory holding the final component (the root itself for "/"). */
  dir: number;
  /** The final component; undefined for the root itself. */
  name?: string;
  /** The final entry, O_PATH, if it exists (not followed when it is a symlink and followLast was false). */
  entry?: { fd: number; st: Stats };
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

  constructor(path: string) {
    this.fd = openSync(path, O_PATH | constants.O_DIRECTORY);
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
    const stack = [this.fd];
    let hops = 0;
    const top = () => stack[stack.length - 1];
    const parent = () => {
      const d = stack.length > 1 ? stack.pop()! : undefined;
      if (d !== undefined) this.release(d);
    };
    while (queue.length) {
      const c = queue.shift()!;
      if (c === '..') {
        parent();
        continue;
      }
      const last = queue.length === 0;
      const e = openEntry(top(), c);
      if (!e) {
        if (last) return { dir: top(), name: c };
        throw new InRootError('ENOENT', path, `no such file or directory (at "${c}")`);
      }
      this.own(e.fd);
      if (e.st.isSymbolicLink() && (!last || followLast)) {
        if (++hops > MAX_SYMLINKS) throw new InRootError('ELOOP', path, 'too many levels of symbolic links');
        const target = readlinkSync(at(top(), c));
        this.release(e.fd);
        if (target.startsWith('/')) while (stack.length > 1) parent();
        queue.unshift(...target.split('/').filter((x) => x && x !== '.'));
        continue;
      }
      if (last) return { dir: top(), name: c, entry: e };
      if (!e.st.isDirectory()) throw new InRootError('ENOTDIR', path, `not a directory (at "${c}")`);
      stack.push(e.fd);
    }
    // The path named the root, or a directory reached by "..": its own entry.
    const dir = top();
    return { dir, entry: { fd: dir, st: fstatSync(dir) } };
  }
}
