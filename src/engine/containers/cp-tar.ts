// berth cp with a tar stream for one side, as Docker's `-`: out of the
// container, SRC (its name as the archive's top, or with SRC/. its contents)
// as a tar; into it, a tar extracted into the directory DEST. The container's
// side is reached as cp.ts reaches it (in its root, through its volumes and
// binds). Extraction works relative to directory fds: every parent of an
// entry is a directory opened without following it, or made; an entry whose
// path is absolute, climbs with "..", or passes through a symlink is refused
// by name before anything of it is written, so a tar cannot write outside
// DEST whatever the container put there. Device nodes and fifos in the tar
// are skipped with a warning, as cp skips them on the way out.

import { closeSync, constants, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync, mkdirSync, openSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { withLock } from '../../image/store/lock.ts';
import { readTar } from '../../image/tar/reader.ts';
import type { TarHeader } from '../../image/tar/header.ts';
import { writeTar, type WriteEntry } from '../../image/tar/writer.ts';
import { EntryMaker, walkTree } from '../../image/tree.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, EngineError, InvalidArgumentError } from '../errors.ts';
import { at, O_PATH, openEntry } from '../fs/in-root.ts';
import type { ContainerRow } from '../store/containers.ts';
import { containerRoot, isContents, lexicalName, usable } from './cp.ts';
import { mountRootfs } from './rootfs.ts';

/** cp CONTAINER:SRC - */
export async function copyFromContainerAsTar(ctx: EngineContext, row: ContainerRow, src: string, out: Writable, opts: { followLink?: boolean } = {}): Promise<void> {
  usable(row);
  await withLock(ctx.lockPath(row.id), async () => {
    mountRootfs(ctx, row.id);
    const root = containerRoot(ctx, row);
    const maker = new EntryMaker();
    try {
      const contents = isContents(src);
      const r = root.resolve(src, !!opts.followLink || contents || src.endsWith('/'));
      if (!r.entry) throw new EngineError('NotFound', `no such file or directory in container ${row.name}: ${src}`);
      const isDir = r.entry.st.isDirectory();
      if (src.endsWith('/') && !isDir) throw new InvalidArgumentError('SRC', `${src}: not a directory`);
      const top = lexicalName(src) === '/' ? '.' : lexicalName(src);
      // The top itself by its directory and name (never followed), or, for the root or a mount's
      // destination, from what it is (a mount's source is the host's own path: not put in the tar).
      const topEntry = (): WriteEntry | undefined => {
        if (r.name !== undefined && !r.mounted) return maker.make(at(r.dir, r.name), top);
        const st = r.entry!.st;
        const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
        return isDir ? { ...base, name: `${top}/`, type: 'dir' } : maker.make(at(r.entry!.fd), top);
      };
      const entries = function* (): Generator<WriteEntry> {
        if (!contents) {
          const e = topEntry();
          if (e) yield e;
        }
        if (!isDir) return;
        for (const n of walkTree(at(r.entry!.fd))) {
          const e = maker.make(n.at, contents ? n.parts.join('/') : `${top}/${n.parts.join('/')}`);
          if (e) yield e;
        }
      };
      for await (const chunk of writeTar(entries())) if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
    } finally {
      maker.close();
      root.close();
    }
  });
}

/** The components of an entry's name, or why it is refused. */
function entryParts(name: string): string[] | string {
  if (name.startsWith('/')) return 'an absolute path';
  const parts = name.split('/').filter((c) => c && c !== '.');
  if (parts.includes('..')) return 'a path with ".."';
  return parts;
}

/** The directory fd (O_PATH) of parts inside dest: each existing one a directory, not followed; missing ones made. */
function parentDir(dest: number, parts: string[], name: string): number {
  let fd = dest;
  for (const c of parts) {
    let e = openEntry(fd, c);
    if (!e) {
      mkdirSync(at(fd, c), { mode: 0o755 });
      e = openEntry(fd, c);
    }
    if (fd !== dest) closeSync(fd);
    if (!e || !e.st.isDirectory()) {
      if (e) closeSync(e.fd);
      throw new InvalidArgumentError('tar', `entry "${name}": "${c}" on its path is not a directory in the container (a symlink is not followed)`);
    }
    fd = e.fd;
  }
  return fd;
}

/** Makes way for a new entry: what is there goes, unless a directory meets a directory. */
function clear(dir: number, base: string, keepDir: boolean): boolean {
  const e = openEntry(dir, base);
  if (!e) return false;
  closeSync(e.fd);
  if (e.st.isDirectory()) {
    if (keepDir) return true;
    rmSync(at(dir, base), { recursive: true, force: true });
  } else {
    unlinkSync(at(dir, base));
  }
  return false;
}

/** The tar's owner, mode and time on an entry open as fd, which it closes. */
function finish(fd: number, h: TarHeader): void {
  try {
    fchownSync(fd, h.uid, h.gid);
    fchmodSync(fd, h.mode & 0o7777);
    futimesSync(fd, h.mtime, h.mtime);
  } finally {
    closeSync(fd);
  }
}

async function extract(dest: number, h: TarHeader, data: AsyncGenerator<Buffer>, warn: (m: string) => void): Promise<void> {
  const parts = entryParts(h.name);
  if (typeof parts === 'string') throw new InvalidArgumentError('tar', `entry "${h.name}": ${parts}`);
  if (parts.length === 0) return;
  const base = parts[parts.length - 1];
  const dir = parentDir(dest, parts.slice(0, -1), h.name);
  try {
    const path = at(dir, base);
    if (h.type === 'dir') {
      if (!clear(dir, base, true)) mkdirSync(path, { mode: 0o700 });
      finish(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW), h);
    } else if (h.type === 'file') {
      clear(dir, base, false);
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        for await (const chunk of data) for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      finish(fd, h);
    } else if (h.type === 'symlink') {
      clear(dir, base, false);
      symlinkSync(h.linkname, path);
      lchownSync(path, h.uid, h.gid);
    } else if (h.type === 'link') {
      const target = entryParts(h.linkname);
      if (typeof target === 'string' || target.length === 0) throw new InvalidArgumentError('tar', `entry "${h.name}": its link target "${h.linkname}" is ${typeof target === 'string' ? target : 'empty'}`);
      const targetDir = parentDir(dest, target.slice(0, -1), h.name);
      try {
        const t = openEntry(targetDir, target[target.length - 1]);
        if (!t) throw new InvalidArgumentError('tar', `entry "${h.name}": its link target "${h.linkname}" is not in the archive before it`);
        closeSync(t.fd);
        if (t.st.isDirectory()) throw new InvalidArgumentError('tar', `entry "${h.name}": its link target "${h.linkname}" is a directory`);
        clear(dir, base, false);
        linkSync(at(targetDir, target[target.length - 1]), path);
      } finally {
        if (targetDir !== dest) closeSync(targetDir);
      }
    } else {
      warn(`cp: skipped "${h.name}": a ${h.type} node (cp copies regular files, directories and links)`);
    }
  } finally {
    if (dir !== dest) closeSync(dir);
  }
}

/** cp - CONTAINER:DEST (DEST a directory in the container) */
export async function copyTarToContainer(ctx: EngineContext, row: ContainerRow, input: Readable, dest: string): Promise<void> {
  usable(row);
  await withLock(ctx.lockPath(row.id), async () => {
    mountRootfs(ctx, row.id);
    const root = containerRoot(ctx, row);
    try {
      const r = root.resolve(dest, true);
      if (!r.entry) throw new EngineError('NotFound', `no such directory in container ${row.name}: ${dest}`);
      if (!r.entry.st.isDirectory()) throw new InvalidArgumentError('DEST', `${dest}: a tar stream goes into a directory`);
      if (r.readOnly) throw new ConflictError(`${dest} is read-only in container ${row.name} (its root filesystem, or the mount it is on): nothing can be copied there`);
      const into = openSync(at(r.entry.fd), O_PATH | constants.O_DIRECTORY);
      try {
        for await (const e of readTar(input, 'standard input')) await extract(into, e.header, e.data(), ctx.warn);
      } finally {
        closeSync(into);
      }
    } finally {
      root.close();
    }
  });
}
