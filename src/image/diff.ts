// A container's changes against its image: the lines of `berth diff`
// (Docker's A, C, D) and the entries of the layer a commit makes.
//
// Overlay: the upper directory holds exactly what changed. A 0/0 character
// device is a deletion (the layer's ".wh.NAME"), a directory with
// trusted.overlay.opaque=y (or user.overlay.opaque, on an unprivileged
// mount) hides everything below it in the lower layers (".wh..wh..opq").
// Whether an upper entry was added or changed is told by the image's tree:
// the lower layers read as overlayfs merges them.
//
// Copy: the container has a full copy of its image's top snapshot, so the
// two trees are walked side by side, as Docker's naive driver does: a name
// only in the copy is added, only in the image deleted (its contents are not
// listed), in both changed when its type, mode, owner, device number or,
// for a non-directory, its size or mtime (to the nanosecond; cp -a kept
// them) or file capability differ. Contents rewritten in place with the
// same size and mtime restored go unseen, as with Docker.
//
// Either way every directory above a change is listed as changed (unless it
// is itself added), and the list is in walk order: a directory before its
// contents, names in byte order.

import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { hostCalls } from '../native/host.ts';
import { parseDigest } from './digest.ts';
import { DiffError, SnapshotError } from './errors.ts';
import type { ImageService } from './service.ts';
import { activeDir } from './snapshot/snapshotter.ts';
import type { WriteEntry } from './tar/writer.ts';
import { EntryMaker, fdPath, listDirAt, lstatOrNull, openDirAt, openParent, sortedNames, walkTree } from './tree.ts';
import { OVERLAY_PREFIX } from './xattr.ts';

/**
 * What a container changed. overlay: its upper directory and the lower
 * layer directories its mount stacks, top first (the mount's lowerdir
 * order). copy: its full rootfs and the tree it was copied from.
 */
export type DiffSource =
  | { kind: 'overlay'; upper: string; lowers: string[] }
  | { kind: 'copy'; rootfs: string; base: string };

export interface Change {
  kind: 'A' | 'C' | 'D';
  /** Absolute in the container: "/etc/passwd". */
  path: string;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** Overlay features that leave a file's data or a directory's contents in a lower layer: the upper directory alone is not the change. */
const UNREADABLE = ['redirect', 'metacopy'];

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(at: string): boolean {
  const host = hostCalls();
  for (const ns of [OVERLAY_PREFIX, 'user.overlay.']) if (host.getxattr(at, `${ns}opaque`)?.toString() === 'y') return true;
  return false;
}

function checkReadable(at: string, parts: string[]): void {
  const host = hostCalls();
  for (const ns of [OVERLAY_PREFIX, 'user.overlay.']) {
    for (const x of UNREADABLE) {
      if (host.getxattr(at, `${ns}${x}`) !== null) throw new DiffError(`/${parts.join('/')}`, `overlay ${x} (${ns}${x}) keeps this entry's content in a lower layer; mount without redirect_dir and metacopy`);
    }
  }
}

/** The image's tree as overlayfs merges its layer directories (top first); a full tree is one layer. */
class LayerView {
  private readonly layers: string[];

  constructor(layers: string[]) {
    this.layers = layers;
  }

  /** In one layer: the entry, "hidden" (a whiteout, or a non-directory or opaque directory above it), or undefined (look below). */
  private probe(layer: string, parts: string[]): Stats | 'hidden' | undefined {
    let p = layer;
    let opaqueAbove = false;
    for (const [i, c] of parts.entries()) {
      p = join(p, c);
      const st = lstatOrNull(p);
      if (!st) return opaqueAbove ? 'hidden' : undefined;
      if (isWhiteout(st)) return 'hidden';
      if (i === parts.length - 1) return st;
      if (!st.isDirectory()) return 'hidden';
      if (isOpaque(p)) opaqueAbove = true;
    }
    return undefined;
  }

  stat(parts: string[]): Stats | null {
    for (const layer of this.layers) {
      const r = this.probe(layer, parts);
      if (r === 'hidden') return null;
      if (r) return r;
    }
    return null;
  }

  /** The names in a directory of the merged tree. */
  list(parts: string[]): Set<string> {
    const names = new Set<string>();
    const hidden = new Set<string>();
    for (const layer of this.layers) {
      const r = this.probe(layer, parts);
      if (r === 'hidden') break;
      if (!r) continue;
      if (!r.isDirectory()) break;
      const dir = join(layer, ...parts);
      for (const n of sortedNames(dir)) {
        const st = lstatOrNull(join(dir, n));
        if (!st) continue;
        if (isWhiteout(st)) hidden.add(n);
        else if (!hidden.has(n)) names.add(n);
      }
      if (isOpaque(dir)) break;
    }
    return names;
  }
}

const pathOf = (parts: string[]): string => `/${parts.join('/')}`;

/** Component-wise byte order: a directory before its contents, as a walk visits them. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = Buffer.compare(Buffer.from(x[i]), Buffer.from(y[i]));
    if (c) return c;
  }
  return x.length - y.length;
}

/** Every directory above a change is changed (unless added); then walk order. */
function finish(found: Map<string, Change['kind']>): Change[] {
  for (const path of [...found.keys()]) {
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const dir = path.slice(0, i);
      if (!found.has(dir)) found.set(dir, 'C');
    }
  }
  return [...found].map(([path, kind]) => ({ kind, path })).sort((a, b) => walkOrder(a.path, b.path));
}

function overlayChanges(upper: string, lowers: string[]): Change[] {
  const lower = new LayerView(lowers);
  const found = new Map<string, Change['kind']>();
  for (const n of walkTree(upper)) {
    const path = pathOf(n.parts);
    if (isWhiteout(n.st)) {
      found.set(path, 'D');
      continue;
    }
    checkReadable(n.at, n.parts);
    const old = lower.stat(n.parts);
    if (!old) found.set(path, 'A');
    else if (!n.st.isDirectory() || !old.isDirectory() || old.mode !== n.st.mode || old.uid !== n.st.uid || old.gid !== n.st.gid) found.set(path, 'C');
    if (old?.isDirectory() && n.st.isDirectory() && isOpaque(n.at)) {
      const kept = new Set(listDirAt(n.at));
      for (const name of lower.list(n.parts)) if (!kept.has(name)) found.set(pathOf([...n.parts, name]), 'D');
    }
  }
  return finish(found);
}

function statDifferent(a: Stats, b: Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  return !a.isDirectory() && (a.size !== b.size || a.mtimeMs !== b.mtimeMs);
}

function capability(at: string, st: Stats): string {
  return st.isFile() ? hostCalls().getxattr(at, 'security.capability')?.toString('hex') ?? '' : '';
}

/** The copy (reached through fds) against the tree it came from (the image's own snapshot). */
function copyChanges(rootfs: string, base: string): Change[] {
  const found = new Map<string, Change['kind']>();
  const added = (parts: string[]): void => void found.set(pathOf(parts), 'A');
  const compare = (fd: number, parts: string[]): void => {
    const oldDir = join(base, ...parts);
    const oldNames = new Set(lstatOrNull(oldDir)?.isDirectory() ? sortedNames(oldDir) : []);
    for (const name of sortedNames(fdPath(fd))) {
      const at = fdPath(fd, name);
      const st = lstatOrNull(at);
      if (!st) continue;
      const child = [...parts, name];
      const oldAt = join(oldDir, name);
      const old = oldNames.delete(name) ? lstatOrNull(oldAt) : null;
      if (!old) added(child);
      else if (statDifferent(old, st) || capability(oldAt, old) !== capability(at, st)) found.set(pathOf(child), 'C');
      if (!st.isDirectory()) continue;
      const sub = openDirAt(at, st);
      if (sub === null) continue;
      try {
        if (old?.isDirectory()) compare(sub, child);
        else for (const n of walkTree(fdPath(sub))) added([...child, ...n.parts]);
      } finally {
        closeSync(sub);
      }
    }
    for (const name of oldNames) found.set(pathOf([...parts, name]), 'D');
  };
  const fd = openDirAt(rootfs);
  if (fd === null) throw new DiffError(rootfs, 'not a directory');
  try {
    compare(fd, []);
  } finally {
    closeSync(fd);
  }
  return finish(found);
}

/** The container's changes, as `berth diff` lists them. */
export function listChanges(src: DiffSource): Change[] {
  return src.kind === 'overlay' ? overlayChanges(src.upper, src.lowers) : copyChanges(src.rootfs, src.base);
}

/** Docker's `diff` output: "C /etc", "A /etc/x"... one a line. */
export function formatChanges(changes: Change[]): string {
  return changes.map((c) => `${c.kind} ${c.path}\n`).join('');
}

/** A container's own file named ".wh.X" would read as a deletion of X in a layer. */
function checkName(parts: string[]): void {
  if (parts[parts.length - 1].startsWith(WH)) throw new DiffError(pathOf(parts), `a name starting with "${WH}" would mean a deletion in a layer; rename it to commit`);
}

function whiteout(parts: string[], base: string, mtime: number): WriteEntry {
  return { name: [...parts, base].join('/'), type: 'file', mode: 0o600, mtime, size: 0, data: Buffer.alloc(0) };
}

/**
 * The entries of the layer holding the changes: what the upper directory
 * holds (whiteouts and opaque directories in the layer's ".wh." form), or for
 * a copy each added or changed entry as it is now and a whiteout for each
 * deletion. The maker's close() releases what was not streamed.
 */
export function* layerEntries(src: DiffSource, maker: EntryMaker): Generator<WriteEntry> {
  const now = Math.floor(Date.now() / 1000);
  if (src.kind === 'overlay') {
    for (const n of walkTree(src.upper)) {
      if (isWhiteout(n.st)) {
        yield whiteout(n.parts.slice(0, -1), `${WH}${n.parts[n.parts.length - 1]}`, now);
        continue;
      }
      checkReadable(n.at, n.parts);
      checkName(n.parts);
      const e = maker.make(n.at, n.parts.join('/'));
      if (!e) continue;
      yield e;
      if (e.type === 'dir' && isOpaque(n.at)) yield whiteout(n.parts, OPAQUE, e.mtime ?? now);
    }
    return;
  }
  for (const c of copyChanges(src.rootfs, src.base)) {
    const parts = c.path.slice(1).split('/');
    const last = parts[parts.length - 1];
    if (c.kind === 'D') {
      yield whiteout(parts.slice(0, -1), `${WH}${last}`, now);
      continue;
    }
    checkName(parts);
    const dir = openParent(src.rootfs, parts);
    if (dir === null) continue;
    try {
      const e = maker.make(fdPath(dir, last), parts.join('/'));
      if (e) yield e;
    } finally {
      closeSync(dir);
    }
  }
}

/**
 * The diff source of the writable snapshot `key` in this service's
 * snapshotter: its changes directory over the layer directories of the
 * chain it was prepared on (overlay), or over that chain's full tree (copy).
 */
export function diffSource(svc: ImageService, key: string): DiffSource {
  const snaps = svc.snapshots;
  let parent: string;
  try {
    parent = readFileSync(join(activeDir(snaps.root, key), 'parent'), 'utf8');
  } catch {
    throw new SnapshotError(key, 'no such active snapshot');
  }
  const layer = (c: string): string => join(snaps.root, 'layers', parseDigest(c).encoded, 'fs');
  if (snaps.kind === 'overlay') return { kind: 'overlay', upper: snaps.changesDir(key), lowers: snaps.chain(parent).map(layer) };
  return { kind: 'copy', rootfs: snaps.changesDir(key), base: layer(parent) };
}
