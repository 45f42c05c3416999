// berth cp, both ways, through the container's mounted rootfs (so a stopped
// container works too) and its bind mounts, volumes included, as the
// container sees them (a tmpfs, which exists only in its mount namespace,
// is not reached: Docker's cp does not either). Paths in the container are
// resolved inside its root (fs/in-root.ts) and every entry is created or
// opened relative to a directory fd, never by a path the container could
// redirect: a symlink in the container to / or ../../ reads and writes the
// container's own files. From the container only regular files, directories
// and symlinks (as symlinks) come out; device nodes, fifos and sockets are
// skipped, and setuid/setgid bits dropped, so nothing a container made
// becomes a host device or a privileged program. Docker's rules for what
// lands where: SRC/. copies a directory's contents, DEST/ must be a
// directory, a directory into an existing one goes in by its name.

import { closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, type Stats, statSync, symlinkSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { dirname, basename, posix, resolve as resolvePath } from 'node:path';
import { withLock } from '../../image/store/lock.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, EngineError, InvalidArgumentError } from '../errors.ts';
import { at, type MountSource, O_PATH, openEntry, RootDir } from '../fs/in-root.ts';
import type { ContainerRow } from '../store/containers.ts';
import { readSpec } from './inspect.ts';
import { mountRootfs, rootfsPath } from './rootfs.ts';

export interface CopyOptions {
  /** -L: follow a symlink named as the source. */
  followLink?: boolean;
  /** -a: keep the source's uid and gid (default: the copier's, root). */
  archive?: boolean;
}

interface Side {
  /** Setuid and setgid bits dropped: what comes out of a container. */
  stripSetId: boolean;
  keepOwner: boolean;
  warn: (msg: string) => void;
}

interface Entry {
  fd: number;
  st: Stats;
}

const CHUNK = 1 << 20;

function modeOf(st: Stats, side: Side): number {
  return st.mode & (side.stripSetId ? 0o1777 : 0o7777);
}

function refuseDirectory(dir: number, name: string, what: string): void {
  const e = openEntry(dir, name);
  if (!e) return;
  closeSync(e.fd);
  if (e.st.isDirectory()) throw new InvalidArgumentError('DEST', `cannot overwrite directory "${name}" with ${what}`);
  unlinkSync(at(dir, name));
}

function copyFile(src: Entry, dir: number, name: string, side: Side): void {
  // Reopened through the O_PATH fd and checked to be the same regular file: never a device opened.
  const r = openSync(at(src.fd), constants.O_RDONLY);
  try {
    const st = fstatSync(r);
    if (!st.isFile() || st.ino !== src.st.ino || st.dev !== src.st.dev) throw new ConflictError(`"${name}" changed while it was copied`);
    refuseDirectory(dir, name, 'a file');
    const w = openSync(at(dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let n; (n = readSync(r, buf, 0, CHUNK, null)) > 0; ) for (let off = 0; off < n; ) off += writeSync(w, buf, off, n - off);
      if (side.keepOwner) fchownSync(w, st.uid, st.gid);
      fchmodSync(w, modeOf(st, side));
      futimesSync(w, st.atime, st.mtime);
    } finally {
      closeSync(w);
    }
  } finally {
    closeSync(r);
  }
}

/** The directory name in dir, made if missing (replacing what else is there): an O_PATH fd of it. */
function directoryAt(dir: number, name: string): number {
  const e = openEntry(dir, name);
  if (e?.st.isDirectory()) return e.fd;
  if (e) {
    closeSync(e.fd);
    unlinkSync(at(dir, name));
  }
  mkdirSync(at(dir, name), { mode: 0o700 });
  return openSync(at(dir, name), O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
}

function copyContents(src: Entry, to: number, side: Side): void {
  for (const child of readdirSync(at(src.fd))) {
    const e = openEntry(src.fd, child);
    if (!e) continue;
    try {
      copyEntry(src.fd, child, e, to, child, side);
    } finally {
      closeSync(e.fd);
    }
  }
}

/** Copies the entry srcName of srcDir (open as src) to dstName in dstDir. */
function copyEntry(srcDir: number, srcName: string, src: Entry, dstDir: number, dstName: string, side: Side): void {
  const { st } = src;
  if (st.isDirectory()) {
    const d = directoryAt(dstDir, dstName);
    try {
      copyContents(src, d, side);
      if (side.keepOwner) lchownSync(at(d), st.uid, st.gid);
      utimesSync(at(d), st.atime, st.mtime);
      // Last: a mode without write permission would have kept the copy out.
      fchmodDir(d, modeOf(st, side));
    } finally {
      closeSync(d);
    }
  } else if (st.isFile()) {
    copyFile(src, dstDir, dstName, side);
  } else if (st.isSymbolicLink()) {
    const target = readlinkSync(at(srcDir, srcName));
    refuseDirectory(dstDir, dstName, 'a symlink');
    symlinkSync(target, at(dstDir, dstName));
    if (side.keepOwner) lchownSync(at(dstDir, dstName), st.uid, st.gid);
  } else {
    side.warn(`cp: skipped "${srcName}": not a regular file, directory or symlink`);
  }
}

function fchmodDir(fd: number, mode: number): void {
  // An O_PATH fd takes no fchmod; its /proc link leads to the directory itself.
  const r = openSync(at(fd), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fchmodSync(r, mode);
  } finally {
    closeSync(r);
  }
}

export function usable(row: ContainerRow): void {
  if (row.state === 'creating' || row.state === 'removing' || row.state === 'dead') throw new ConflictError(`container ${row.name} is ${row.state}`);
}

/** The host directory holding path (followed: the user's own path), O_PATH. */
function hostParent(path: string, field: string): number {
  try {
    return openSync(dirname(resolvePath(path)), O_PATH | constants.O_DIRECTORY);
  } catch (e) {
    throw new InvalidArgumentError(field, `${dirname(resolvePath(path))}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
}

export function isContents(path: string): boolean {
  return path === '.' || path.endsWith('/.');
}

/** Copies src to a destination (dest is the directory open as into when it exists as one; else parent and name). */
function place(srcDir: number, srcName: string, src: Entry, contents: boolean, dest: { into?: number; parent?: number; name?: string; exists: boolean; slash: boolean; path: string }, side: Side): void {
  if (src.st.isDirectory()) {
    if (dest.exists && dest.into === undefined) throw new InvalidArgumentError('DEST', `${dest.path}: cannot copy a directory to a file`);
    if (dest.into !== undefined) {
      if (contents) copyContents(src, dest.into, side);
      else copyEntry(srcDir, srcName, src, dest.into, srcName, side);
    } else {
      copyEntry(srcDir, srcName, src, dest.parent!, dest.name!, side);
    }
    return;
  }
  if (contents) throw new InvalidArgumentError('SRC', `${srcName}: not a directory`);
  if (dest.into !== undefined) copyEntry(srcDir, srcName, src, dest.into, srcName, side);
  else if (dest.slash) throw new InvalidArgumentError('DEST', `${dest.path}: no such directory`);
  else copyEntry(srcDir, srcName, src, dest.parent!, dest.name!, side);
}

export function lexicalName(path: string): string {
  return posix.basename(posix.normalize(`/${path}`)) || '/';
}

/** The container's bind mounts by destination (its volumes, binds, and the hosts, hostname and resolv.conf files). */
function bindMounts(ctx: EngineContext, row: ContainerRow): Map<string, MountSource> {
  const mounts = new Map<string, MountSource>();
  for (const m of readSpec(ctx, row.id)?.mounts ?? []) {
    const bind = m.type === 'bind' || m.options?.includes('bind') || m.options?.includes('rbind');
    if (!bind || !m.source) continue;
    mounts.set(posix.normalize(`/${m.destination}`).replace(/\/$/, ''), { source: m.source, readOnly: !!m.options?.includes('ro') });
  }
  return mounts;
}

export function containerRoot(ctx: EngineContext, row: ContainerRow): RootDir {
  return new RootDir(rootfsPath(ctx, row.id), bindMounts(ctx, row), !!row.config.readOnly);
}

/** cp CONTAINER:SRC DEST */
export async function copyFromContainer(ctx: EngineContext, row: ContainerRow, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  usable(row);
  const side: Side = { stripSetId: true, keepOwner: !!opts.archive, warn: ctx.warn };
  await withLock(ctx.lockPath(row.id), async () => {
    mountRootfs(ctx, row.id);
    const root = containerRoot(ctx, row);
    const hostDir = hostParent(dest, 'DEST');
    let into: number | undefined;
    try {
      const contents = isContents(src);
      const r = root.resolve(src, !!opts.followLink || contents || src.endsWith('/'));
      if (!r.entry) throw new EngineError('NotFound', `no such file or directory in container ${row.name}: ${src}`);
      if (src.endsWith('/') && !r.entry.st.isDirectory()) throw new InvalidArgumentError('SRC', `${src}: not a directory`);
      let destSt: Stats | undefined;
      try {
        destSt = statSync(dest);
      } catch {
        // made by the copy
      }
      if (destSt?.isDirectory()) into = openSync(resolvePath(dest), O_PATH | constants.O_DIRECTORY);
      const name = r.name ?? lexicalName(src);
      place(r.dir, name, r.entry, contents || r.name === undefined, { into, parent: hostDir, name: basename(resolvePath(dest)), exists: !!destSt, slash: dest.endsWith('/'), path: dest }, side);
    } finally {
      if (into !== undefined) closeSync(into);
      closeSync(hostDir);
      root.close();
    }
  });
}

/** cp SRC CONTAINER:DEST */
export async function copyToContainer(ctx: EngineContext, row: ContainerRow, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  usable(row);
  const side: Side = { stripSetId: false, keepOwner: !!opts.archive, warn: ctx.warn };
  const srcDir = hostParent(src, 'SRC');
  const srcName = basename(resolvePath(src));
  const contents = isContents(src);
  let entry: Entry | undefined;
  try {
    if (opts.followLink || contents || src.endsWith('/')) {
      const fd = openSync(resolvePath(src), O_PATH);
      entry = { fd, st: fstatSync(fd) };
    } else {
      entry = openEntry(srcDir, srcName);
    }
  } catch {
    entry = undefined;
  }
  try {
    if (!entry) throw new InvalidArgumentError('SRC', `${src}: no such file or directory`);
    if (src.endsWith('/') && !entry.st.isDirectory()) throw new InvalidArgumentError('SRC', `${src}: not a directory`);
    const source = entry;
    await withLock(ctx.lockPath(row.id), async () => {
      mountRootfs(ctx, row.id);
      const root = containerRoot(ctx, row);
      try {
        const r = root.resolve(dest, true);
        const into = r.entry?.st.isDirectory() ? r.entry.fd : undefined;
        if (r.readOnly) throw new ConflictError(`${dest} is read-only in container ${row.name} (its root filesystem, or the mount it is on): nothing can be copied there`);
        if (r.mounted && into === undefined) throw new ConflictError(`${dest} is a file container ${row.name} has bind-mounted: copy into a directory instead`);
        place(srcDir, srcName, source, contents, { into, parent: r.dir, name: r.name, exists: !!r.entry, slash: dest.endsWith('/'), path: dest }, side);
      } finally {
        root.close();
      }
    });
  } finally {
    if (entry) closeSync(entry.fd);
    closeSync(srcDir);
  }
}
