// Reading a directory tree someone else may be changing (a container's
// rootfs or upper directory) without ever being led out of it: every entry is
// reached as /proc/self/fd/<its directory's fd>/<name>, so no symlink in a
// parent is ever followed, and the last component is lstat'ed, never
// followed (directories are opened O_NOFOLLOW, files O_PATH|O_NOFOLLOW and
// then reopened through that fd, so what is read is the inode that was
// checked). A directory on another filesystem (a mount point) is listed but
// not entered.

import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { hostCalls } from '../native/host.ts';
import { judgeXattr } from './xattr.ts';
import type { WriteEntry } from './tar/writer.ts';

/** Linux's O_PATH: an fd naming an inode without opening it. */
const O_PATH = 0o10000000;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** Files up to this size are read when their entry is made; larger ones stream as the tar is written. */
const INLINE = 64 << 10;

export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

function gone(e: unknown): boolean {
  return ['ENOENT', 'ENOTDIR', 'ELOOP', 'EINVAL'].includes((e as NodeJS.ErrnoException).code ?? '');
}

/** lstat, or null if it is not there (any more). */
export function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (gone(e)) return null;
    throw e;
  }
}

/** Names in a directory, sorted by their bytes (tar and diff order). */
export function sortedNames(dirPath: string): string[] {
  return readdirSync(dirPath).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Opens the directory at `at` without following it; null if it is no longer the directory st described. */
export function openDirAt(at: string, st?: Stats): number | null {
  let fd: number;
  try {
    fd = openSync(at, DIR_FLAGS);
  } catch (e) {
    if (gone(e)) return null;
    throw e;
  }
  const now = fstatSync(fd);
  if (st && (now.ino !== st.ino || now.dev !== st.dev)) {
    closeSync(fd);
    return null;
  }
  return fd;
}

/** The names in a directory reached at `at`, [] if it is gone or was replaced by something else. */
export function listDirAt(at: string): string[] {
  const fd = openDirAt(at);
  if (fd === null) return [];
  try {
    return sortedNames(fdPath(fd));
  } finally {
    closeSync(fd);
  }
}

export interface TreeNode {
  /** Path components below the root. */
  parts: string[];
  /** The entry as /proc/self/fd/<parent fd>/<name>: valid until the walk moves on. */
  at: string;
  st: Stats;
}

/**
 * Every entry below root (not root itself), depth first, each directory's
 * names in byte order, a directory before its contents. descend (default:
 * always) decides whether a directory's contents are visited.
 */
export function* walkTree(root: string, descend: (n: TreeNode) => boolean = () => true): Generator<TreeNode> {
  const rootFd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  const dev = fstatSync(rootFd).dev;
  const stack: { fd: number; parts: string[]; names: string[] }[] = [{ fd: rootFd, parts: [], names: sortedNames(fdPath(rootFd)) }];
  try {
    while (stack.length) {
      const top = stack[stack.length - 1];
      const name = top.names.shift();
      if (name === undefined) {
        closeSync(top.fd);
        stack.pop();
        continue;
      }
      const at = fdPath(top.fd, name);
      const st = lstatOrNull(at);
      if (!st) continue;
      const node: TreeNode = { parts: [...top.parts, name], at, st };
      yield node;
      if (!st.isDirectory() || st.dev !== dev || !descend(node)) continue;
      const fd = openDirAt(at, st);
      if (fd === null) continue;
      stack.push({ fd, parts: node.parts, names: sortedNames(fdPath(fd)) });
    }
  } finally {
    for (const s of stack) closeSync(s.fd);
  }
}

/**
 * The directory fd of parts' parent inside root, each component opened
 * O_NOFOLLOW from the one before; null if some component is gone or is not a
 * directory. The caller closes it.
 */
export function openParent(root: string, parts: string[]): number | null {
  let fd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  for (const c of parts.slice(0, -1)) {
    const next = openDirAt(fdPath(fd, c));
    closeSync(fd);
    if (next === null) return null;
    fd = next;
  }
  return fd;
}

/** The xattrs a layer may carry (those the unpacker applies), read without following the entry. */
export function layerXattrs(at: string): Record<string, Buffer> | undefined {
  const host = hostCalls();
  let out: Record<string, Buffer> | undefined;
  for (const name of host.listxattr(at)) {
    // overlayfs keeps its own records in user.overlay.* on an unprivileged mount.
    if (name.startsWith('user.overlay.') || !judgeXattr(name).apply) continue;
    const v = host.getxattr(at, name);
    if (v) (out ??= {})[name] = v;
  }
  return out;
}

export function major(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}

export function minor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

/**
 * Makes tar entries of tree nodes: hard links among them as links to the
 * first name seen, file contents read from the inode that was checked (the
 * size it had then: a file that shrank meanwhile is padded with zeros, one
 * that grew is cut). Sockets have no tar form and are skipped. close()
 * releases the fds of contents not yet streamed.
 */
export class EntryMaker {
  private readonly links = new Map<string, string>();
  private readonly open = new Set<number>();

  /** The entry for the node at `at` named `name` in the tar, or undefined if it is gone or has no tar form. */
  make(at: string, name: string): WriteEntry | undefined {
    let fd: number;
    try {
      fd = openSync(at, O_PATH | constants.O_NOFOLLOW);
    } catch (e) {
      if (gone(e)) return undefined;
      throw e;
    }
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
    try {
      if (st.isDirectory()) return { ...base, name: `${name}/`, type: 'dir', xattrs: layerXattrs(at) };
      if (st.isSymbolicLink()) return { ...base, name, type: 'symlink', linkname: readlinkSync(at) };
      if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
        const type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : 'block';
        return { ...base, name, type, devmajor: major(st.rdev), devminor: minor(st.rdev), xattrs: layerXattrs(at) };
      }
      if (!st.isFile()) return undefined;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = this.links.get(key);
        if (first !== undefined) return { ...base, name, type: 'link', linkname: first };
        this.links.set(key, name);
      }
      const xattrs = layerXattrs(at);
      const file = openSync(fdPath(fd), constants.O_RDONLY | constants.O_NOCTTY);
      if (st.size <= INLINE) {
        try {
          return { ...base, name, type: 'file', size: st.size, data: readExactly(file, st.size), xattrs };
        } finally {
          closeSync(file);
        }
      }
      this.open.add(file);
      return { ...base, name, type: 'file', size: st.size, data: Readable.from(this.stream(file, st.size)), xattrs };
    } catch (e) {
      if (gone(e)) return undefined;
      throw e;
    } finally {
      closeSync(fd);
    }
  }

  private async *stream(fd: number, size: number): AsyncGenerator<Buffer> {
    try {
      for (let pos = 0; pos < size; ) {
        const n = Math.min(1 << 20, size - pos);
        const buf = Buffer.alloc(n);
        const got = readSync(fd, buf, 0, n, pos);
        // Shrunk since it was measured: the header promised size bytes.
        if (got === 0) {
          yield Buffer.alloc(size - pos);
          return;
        }
        pos += got;
        yield got === n ? buf : buf.subarray(0, got);
      }
    } finally {
      this.open.delete(fd);
      closeSync(fd);
    }
  }

  close(): void {
    for (const fd of this.open) closeSync(fd);
    this.open.clear();
  }
}

function readExactly(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let pos = 0; pos < size; ) {
    const got = readSync(fd, buf, pos, size - pos, pos);
    if (got === 0) break;
    pos += got;
  }
  return buf;
}
