// Applies a layer (a tar stream) to a directory, safely as root.
//
// Every path is resolved here, component by component with lstat, inside the
// target: ".." and absolute entry names are refused, a symlinked parent is
// followed only while it stays inside the target (absolute link targets are
// taken relative to it, as they resolve in the container), and the final
// component is never followed. Nothing is written outside the target.
//
// Two whiteout styles: "overlay" writes them as overlayfs expects in a fresh
// layer directory (0/0 character devices and trusted.overlay.opaque), "apply"
// carries them out on a full tree (the plain-copy snapshotter).
//
// Nodes and xattrs are made by system calls (the host addon), never by a
// shell-out: no name from a layer is ever parsed by another program.

import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readdirSync, readlinkSync, rmSync, chmodSync, symlinkSync, writeSync, ftruncateSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { hostCalls } from '../native/host.ts';
import { hasher } from './digest.ts';
import { decompress } from './compression.ts';
import { LimitError, UnpackError, UnsafeEntryError } from './errors.ts';
import { defaultLimits, type UnpackLimits } from './limits.ts';
import type { TarHeader } from './tar/header.ts';
import { readTar } from './tar/reader.ts';
import { judgeXattr, OVERLAY_PREFIX, setXattrsAt, setXattrsOnFd } from './xattr.ts';

export type WhiteoutMode = 'overlay' | 'apply';

export interface UnpackOptions {
  target: string;
  whiteouts: WhiteoutMode;
  /** Names the layer in errors: "layer <digest>", or which image's layer it is. */
  what: string;
  /** Default: defaultLimits(target). */
  limits?: UnpackLimits;
  /** Told of what a layer carries and is not applied (xattrs of other namespaces). Default: process.emitWarning. */
  warn?: (msg: string) => void;
}

export interface UnpackResult {
  /** Digest of the uncompressed tar: the layer's diff ID. */
  diffId: string;
  entries: number;
  bytes: number;
}

const WH = '.wh.';
/** Files up to this size are written by background jobs; larger ones stream in place. */
const SMALL_FILE = 1 << 20;
/** File creation on ext4 waits on the journal; several at once overlap those waits. */
const MAX_JOBS = 12;
let jobs = 0;
const jobWaiters: (() => void)[] = [];
const AT_FDCWD = -100;
const OPAQUE = '.wh..wh..opq';
const OPAQUE_XATTR: [string, Buffer] = [`${OVERLAY_PREFIX}opaque`, Buffer.from('y')];
const MAX_HOPS = 40;
const isRoot = process.getuid?.() === 0;
const NODE_TYPE = { char: constants.S_IFCHR, block: constants.S_IFBLK, fifo: constants.S_IFIFO };
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
type Xattrs = [string, Buffer][];

/** A failed system call (node:fs or the host addon): the host's failure, not the layer's. */
function isHostError(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException | undefined)?.errno === 'number';
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Entry name -> components; refuses absolute names and "..". */
function components(name: string, fail: (why: string) => never): string[] {
  if (name.includes('\0')) fail('name contains a NUL byte');
  if (name.startsWith('/')) fail('absolute path');
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) fail('path contains ".."');
  return parts;
}

class Unpacker {
  private readonly root: string;
  private readonly mode: WhiteoutMode;
  private readonly what: string;
  private readonly dirMeta: { rel: string[]; h: TarHeader }[] = [];
  /** xattr names skipped, with how many entries carried each: one warning per layer. */
  private readonly skipped = new Map<string, number>();
  private readonly warn: (msg: string) => void;
  private readonly createdHere = new Set<string>();
  private whiteoutTemplate?: string;
  /** Background writes of small files, by path: anything touching such a path waits for it first. */
  private readonly pending = new Map<string, Promise<void>>();
  private jobError: unknown;
  entry = '';

  constructor(opts: UnpackOptions) {
    this.root = opts.target;
    this.mode = opts.whiteouts;
    this.what = opts.what;
    this.warn = opts.warn ?? ((msg) => process.emitWarning(msg));
  }

  fail(why: string): never {
    throw new UnsafeEntryError(this.what, this.entry, why);
  }

  /** A failure of the host's, not of the layer's content. */
  hostFail(why: string): never {
    throw new UnpackError(this.what, this.entry, why);
  }

  private async settle(path?: string): Promise<void> {
    if (path === undefined) await Promise.all(this.pending.values());
    else await this.pending.get(path);
    if (this.jobError) throw this.jobError;
  }

  private async startJob(path: string, entry: string, job: () => Promise<void>): Promise<void> {
    while (jobs >= MAX_JOBS) await new Promise<void>((r) => jobWaiters.push(r));
    jobs++;
    const p = job().catch((e) => {
      this.jobError ??= isHostError(e) ? new UnpackError(this.what, entry, e.message, { cause: e }) : e;
    }).finally(() => {
      jobs--;
      jobWaiters.shift()?.();
      if (this.pending.get(path) === p) this.pending.delete(path);
    });
    this.pending.set(path, p);
    if (this.jobError) throw this.jobError;
  }

  /** Resolves a directory path inside the root; returns its real components. */
  resolveDir(parts: string[], create: boolean, follow = true): string[] | null {
    const out: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length) {
      const c = queue.shift()!;
      if (c === '..') {
        if (out.length === 0) this.fail('a symlinked parent points outside the root');
        out.pop();
        continue;
      }
      const p = join(this.root, ...out, c);
      const st = lstatOrNull(p);
      if (!st) {
        if (!create) return null;
        mkdirSync(p, 0o755);
        this.createdHere.add([...out, c].join('/'));
        out.push(c);
      } else if (st.isDirectory()) {
        out.push(c);
      } else if (st.isSymbolicLink() && follow) {
        if (++hops > MAX_HOPS) this.fail('too many levels of symbolic links');
        const t = readlinkSync(p);
        if (t.startsWith('/')) out.length = 0;
        queue.unshift(...t.split('/').filter((x) => x !== '' && x !== '.'));
      } else {
        this.fail(`parent "${[...out, c].join('/')}" is not a directory`);
      }
    }
    return out;
  }

  async entryFrom(h: TarHeader, data: () => AsyncGenerator<Buffer>): Promise<void> {
    this.entry = h.name;
    const parts = components(h.name, (w) => this.fail(w));
    const attrs = this.layerXattrs(h);
    if (parts.length === 0) return; // the root itself ("./")
    const base = parts[parts.length - 1];
    if (base.startsWith(WH)) {
      await this.settle();
      return this.whiteout(parts.slice(0, -1), base);
    }
    const dirRel = this.resolveDir(parts.slice(0, -1), true)!;
    const rel = [...dirRel, base];
    const path = join(this.root, ...rel);
    await this.settle(path);
    const existing = lstatOrNull(path);
    if (existing && !(existing.isDirectory() && h.type === 'dir')) {
      if (h.type === 'link' && (await this.linkTarget(h)) === path) return;
      // A directory going away may hold files still being written.
      if (existing.isDirectory()) await this.settle();
      rmSync(path, { recursive: true, force: true });
    }
    this.createdHere.add(rel.join('/'));
    switch (h.type) {
      case 'dir':
        if (!existing || !existing.isDirectory()) mkdirSync(path, 0o700);
        this.dirMeta.push({ rel, h });
        setXattrsAt(path, attrs);
        return;
      case 'file':
        if (!h.sparse && h.size <= SMALL_FILE) {
          const parts: Buffer[] = [];
          for await (const c of data()) parts.push(Buffer.from(c));
          const body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
          return this.startJob(path, h.name, () => writeSmall(path, h, body, attrs));
        }
        return this.writeFile(path, h, data, attrs);
      case 'symlink':
        symlinkSync(h.linkname, path);
        if (isRoot) lchownSync(path, h.uid, h.gid);
        lutimesSync(path, h.mtime, h.mtime);
        return;
      case 'link':
        linkSync(await this.linkTarget(h), path);
        return;
      case 'char':
      case 'block':
      case 'fifo':
        this.mknod(dirRel, base, h);
        setXattrsAt(path, attrs);
        return;
    }
  }

  /** The resolved hard link target, once any background write of it has finished. */
  private async linkTarget(h: TarHeader): Promise<string> {
    const parts = components(h.linkname, (w) => this.fail(`hard link target "${h.linkname}": ${w}`));
    if (parts.length === 0) this.fail('hard link to the root');
    const dir = this.resolveDir(parts.slice(0, -1), false);
    const target = dir && join(this.root, ...dir, parts[parts.length - 1]);
    if (target) await this.settle(target);
    const st = target ? lstatOrNull(target) : null;
    if (!st) this.fail(`hard link target "${h.linkname}" does not exist in this layer`);
    if (st.isDirectory()) this.fail(`hard link target "${h.linkname}" is a directory`);
    return target!;
  }

  /** The entry's xattrs that are applied; fails the layer on an unsafe name, counts the skipped ones. */
  private layerXattrs(h: TarHeader): Xattrs {
    const out: Xattrs = [];
    for (const [name, value] of Object.entries(h.xattrs)) {
      const v = judgeXattr(name);
      if (v.apply) out.push([name, value]);
      else if (v.unsafe) this.fail(v.why);
      else this.skipped.set(name, (this.skipped.get(name) ?? 0) + 1);
    }
    return out;
  }

  private async writeFile(path: string, h: TarHeader, data: () => AsyncGenerator<Buffer>, attrs: Xattrs): Promise<void> {
    const fd = openSync(path, 'wx', 0o600);
    try {
      if (h.sparse) {
        let seg = 0;
        let segLeft = h.sparse.map[0]?.[1] ?? 0;
        let pos = h.sparse.map[0]?.[0] ?? 0;
        for await (const chunk of data()) {
          let off = 0;
          while (off < chunk.length) {
            while (segLeft === 0) {
              seg++;
              if (seg >= h.sparse.map.length) this.fail('sparse data longer than its map');
              [pos, segLeft] = h.sparse.map[seg];
            }
            const n = Math.min(segLeft, chunk.length - off);
            writeSync(fd, chunk, off, n, pos);
            off += n;
            pos += n;
            segLeft -= n;
          }
        }
        ftruncateSync(fd, h.sparse.realSize);
      } else {
        for await (const chunk of data()) {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        }
      }
      // chown before chmod (chown clears set-id bits), and before xattrs (it drops security.capability).
      if (isRoot) fchownSync(fd, h.uid, h.gid);
      fchmodSync(fd, h.mode);
      setXattrsOnFd(fd, attrs);
      futimesSync(fd, h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** The node is made in its parent, opened without following it: never anywhere else. */
  private mknod(dirRel: string[], base: string, h: TarHeader): void {
    const dir = openSync(join(this.root, ...dirRel), DIR_FLAGS);
    try {
      hostCalls().mknodat(dir, base, NODE_TYPE[h.type as keyof typeof NODE_TYPE] | (h.mode & 0o7777), h.devmajor, h.devminor);
    } finally {
      closeSync(dir);
    }
    const path = join(this.root, ...dirRel, base);
    if (isRoot) lchownSync(path, h.uid, h.gid);
    chmodSync(path, h.mode);
    lutimesSync(path, h.mtime, h.mtime);
  }

  private whiteout(dirParts: string[], base: string): void {
    if (base === OPAQUE) {
      const dir = this.resolveDir(dirParts, this.mode === 'overlay');
      if (!dir) return;
      if (this.mode === 'overlay') {
        setXattrsAt(join(this.root, ...dir), [OPAQUE_XATTR]);
        return;
      }
      // Opaque: what lower layers put in this directory disappears, this layer's entries stay.
      const prefix = dir.join('/');
      for (const child of readdirSync(join(this.root, ...dir))) {
        const key = prefix ? `${prefix}/${child}` : child;
        if (!this.createdHere.has(key)) rmSync(join(this.root, ...dir, child), { recursive: true, force: true });
      }
      return;
    }
    if (base.startsWith(`${WH}${WH}`)) return; // other AUFS metadata (.wh..wh.plnk...): nothing to do
    const name = base.slice(WH.length);
    if (!name || name === '.' || name === '..' || name.includes('/')) this.fail('invalid whiteout name');
    if (this.mode === 'apply') {
      const dir = this.resolveDir(dirParts, false);
      if (dir) rmSync(join(this.root, ...dir, name), { recursive: true, force: true });
      return;
    }
    const dir = this.resolveDir(dirParts, true)!;
    const path = join(this.root, ...dir, name);
    if (lstatOrNull(path)) rmSync(path, { recursive: true, force: true });
    linkSync(this.template(), path);
    this.createdHere.add([...dir, name].join('/'));
  }

  /** One 0/0 device made per layer; every whiteout is a hard link to it (one mknod, not one per file). */
  private template(): string {
    if (!this.whiteoutTemplate) {
      const t = `${this.root}.whiteout`;
      rmSync(t, { force: true });
      try {
        hostCalls().mknodat(AT_FDCWD, t, constants.S_IFCHR, 0, 0);
      } catch (e) {
        this.hostFail(`cannot make an overlay whiteout: ${(e as Error).message}`);
      }
      this.whiteoutTemplate = t;
    }
    return this.whiteoutTemplate;
  }

  pendingJobs(): Promise<void>[] {
    return [...this.pending.values()];
  }

  /** Deferred work (directory modes and times) re-checks that each path is still a
   * real directory chain: a later entry may have replaced a parent with a symlink. */
  async finish(): Promise<void> {
    await this.settle();
    if (this.whiteoutTemplate) rmSync(this.whiteoutTemplate, { force: true });
    if (this.skipped.size) {
      const names = [...this.skipped].map(([name, n]) => `${name} (${n} ${n === 1 ? 'entry' : 'entries'})`).join(', ');
      this.warn(`${this.what}: xattrs not applied: ${names}; only user.* and security.capability are taken from a layer`);
    }
    const still = (rel: string[]): string | null => {
      const dir = this.resolveDir(rel.slice(0, -1), false, false);
      if (!dir || dir.join('/') !== rel.slice(0, -1).join('/')) return null;
      const p = join(this.root, ...rel);
      return lstatOrNull(p) ? p : null;
    };
    for (let i = this.dirMeta.length - 1; i >= 0; i--) {
      const { rel, h } = this.dirMeta[i];
      const p = still(rel);
      if (!p || !lstatSync(p).isDirectory()) continue;
      if (isRoot) lchownSync(p, h.uid, h.gid);
      chmodSync(p, h.mode);
      lutimesSync(p, h.mtime, h.mtime);
    }
  }
}

const umask = process.umask();
const myUid = process.getuid?.() ?? -1;
const myGid = process.getgid?.() ?? -1;

/** Each call is a thread-pool round trip, so the ones that would change nothing are skipped. */
async function writeSmall(path: string, h: TarHeader, body: Buffer, attrs: Xattrs): Promise<void> {
  const fh = await process.getBuiltinModule('node:fs/promises').open(path, 'wx', h.mode & 0o777);
  try {
    let off = 0;
    while (off < body.length) off += (await fh.write(body, off, body.length - off)).bytesWritten;
    const chown = isRoot && (h.uid !== myUid || h.gid !== myGid);
    if (chown) await fh.chown(h.uid, h.gid);
    // chown clears set-id bits, and the umask may have taken bits from open's mode.
    if (chown || h.mode & 0o7000 || h.mode & umask) await fh.chmod(h.mode);
    // After chown, which drops security.capability.
    setXattrsOnFd(fh.fd, attrs);
    await fh.utimes(h.mtime, h.mtime);
  } finally {
    await fh.close();
  }
}

/** Unpacks a (possibly compressed) layer stream into opts.target, within opts.limits. */
export async function unpackLayer(src: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>, opts: UnpackOptions): Promise<UnpackResult> {
  const u = new Unpacker(opts);
  const limits = opts.limits ?? defaultLimits(opts.target);
  const diff = hasher('sha256');
  let bytes = 0;
  // Counted as it inflates: a gzip bomb stops at the limit, not when the disk is full.
  const hashed = async function* (): AsyncGenerator<Buffer> {
    for await (const c of decompress(src)) {
      bytes += c.length;
      if (bytes > limits.maxLayerSize) throw new LimitError(opts.what, `expands past ${limits.maxLayerSize} bytes`, 'maxLayerSize');
      diff.update(c);
      yield c;
    }
  };
  let entries = 0;
  try {
    for await (const e of readTar(hashed(), opts.what)) {
      if (++entries > limits.maxLayerEntries) throw new LimitError(opts.what, `has more than ${limits.maxLayerEntries} entries`, 'maxLayerEntries');
      // Refused before a byte of it is written.
      if (e.header.size > limits.maxLayerSize - bytes) throw new LimitError(`${opts.what}: entry "${e.header.name}"`, `${e.header.size} bytes would expand the layer past ${limits.maxLayerSize} bytes`, 'maxLayerSize');
      await u.entryFrom(e.header, e.data);
    }
    await u.finish();
  } catch (e) {
    await Promise.allSettled(u.pendingJobs());
    if (isHostError(e)) throw new UnpackError(opts.what, u.entry, e.message, { cause: e });
    throw e;
  }
  return { diffId: `sha256:${diff.digest('hex')}`, entries, bytes };
}
