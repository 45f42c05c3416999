// Garbage collection: mark everything reachable from image names, live
// leases and active snapshots; sweep the rest (blobs, layer snapshots,
// abandoned ingests and temporary trees).

import { chainIds } from './digest.ts';
import type { ImageService } from './service.ts';
import { imageManifests, reachable } from './walk.ts';

export interface GcResult {
  blobs: number;
  bytes: number;
  snapshots: number;
}

export async function collect(svc: ImageService): Promise<GcResult> {
  const held = svc.leases.held();
  const keepBlobs = new Set(held.digests);
  const keepSnaps = new Set(held.snapshots);
  for (const r of svc.images.list()) {
    for (const d of await reachable(svc.content, r.target)) keepBlobs.add(d.digest);
    for (const m of await imageManifests(svc.content, r.target)) {
      if (m.config) chainIds(m.config.rootfs.diff_ids).forEach((c) => keepSnaps.add(c));
    }
  }
  for (const a of svc.snapshots.active()) {
    for (let c: string | undefined = a.parent; c; c = svc.snapshots.parent(c)) keepSnaps.add(c);
  }
  const result: GcResult = { blobs: 0, bytes: 0, snapshots: 0 };
  for (const d of svc.content.list()) {
    if (keepBlobs.has(d)) continue;
    result.bytes += svc.content.size(d);
    svc.content.delete(d);
    result.blobs++;
  }
  for (const c of svc.snapshots.list()) {
    if (keepSnaps.has(c)) continue;
    svc.snapshots.remove(c);
    result.snapshots++;
  }
  svc.content.removeStaleIngests();
  svc.snapshots.cleanTmp();
  return result;
}
