// Name operations: tag, remove, prune, list, inspect.

import type { Descriptor } from '../oci/image-spec.ts';
import { chainIds, isDigest } from './digest.ts';
import { ImageError, ImageNotFoundError } from './errors.ts';
import { collect, type GcResult } from './gc.ts';
import { formatReference, parseReference } from './reference.ts';
import { findRecord, resolveImage, type ResolvedImage } from './resolve.ts';
import type { ImageService } from './service.ts';
import type { ImageRecord } from './store/images.ts';
import { imageManifests, reachable } from './walk.ts';

export async function tag(svc: ImageService, source: string, target: string): Promise<string> {
  const rec = findRecord(svc, source);
  const name = formatReference(parseReference(target));
  await svc.images.put(name, rec.target);
  return name;
}

/** Removes names; an ID naming several images needs force. Then collects what nothing uses. */
export async function remove(svc: ImageService, names: string[], force = false): Promise<{ removed: string[]; gc: GcResult }> {
  const removed: string[] = [];
  for (const n of names) {
    const rec = findRecord(svc, n);
    const byName = n === rec.name || isNameOf(n, rec);
    const all = byName ? [rec] : svc.images.list().filter((r) => r.target.digest === rec.target.digest);
    if (all.length > 1 && !force) throw new ImageError('ECONFLICT', `image ${rec.target.digest} is referenced by ${all.length} names (${all.map((r) => r.name).join(', ')}); remove by name or force`);
    for (const r of all) if (await svc.images.delete(r.name)) removed.push(r.name);
  }
  if (removed.length === 0) throw new ImageNotFoundError(names.join(', '));
  return { removed, gc: await collect(svc) };
}

/**
 * Removes the names of dangling images (recorded under their digest alone, as
 * an untagged archive loads), or with all every image no container runs on,
 * as docker image prune [-a]; then collects what nothing references.
 */
export async function prune(svc: ImageService, opts: { all?: boolean } = {}): Promise<{ removed: string[]; gc: GcResult }> {
  // A container's writable snapshot sits on its image's top chain ID.
  const inUse = new Set(svc.snapshots.active().map((a) => a.parent));
  const removed: string[] = [];
  for (const r of svc.images.list()) {
    if (!opts.all && !isDigest(r.name)) continue;
    const tops = (await imageManifests(svc.content, r.target)).flatMap((m) => (m.config ? chainIds(m.config.rootfs.diff_ids).slice(-1) : []));
    if (tops.some((c) => inUse.has(c))) continue;
    if (await svc.images.delete(r.name)) removed.push(r.name);
  }
  return { removed, gc: await collect(svc) };
}

function isNameOf(n: string, rec: ImageRecord): boolean {
  try {
    return formatReference(parseReference(n)) === rec.name;
  } catch {
    return false;
  }
}

export interface ImageSummary {
  name: string;
  digest: string;
  mediaType: string;
  created: string;
  /** Bytes of the blobs present for this image. */
  size: number;
}

export async function list(svc: ImageService): Promise<ImageSummary[]> {
  const out: ImageSummary[] = [];
  for (const r of svc.images.list()) {
    const size = (await reachable(svc.content, r.target)).reduce((n: number, d: Descriptor) => n + d.size, 0);
    out.push({ name: r.name, digest: r.target.digest, mediaType: r.target.mediaType, created: r.created, size });
  }
  return out;
}

export async function inspect(svc: ImageService, name: string): Promise<ResolvedImage & { size: number }> {
  const img = await resolveImage(svc, name);
  return { ...img, size: img.manifest.layers.reduce((n, l) => n + l.size, 0) };
}
