// Pushing an image: blobs first (skipped when the registry has them, mounted
// from another repository of the same registry when one of our images came
// from there, else uploaded monolithically or in chunks), then manifests
// children-first, the top one by tag.

import { createReadStream } from 'node:fs';
import type { Descriptor } from '../oci/image-spec.ts';
import { INDEX_TYPES, MANIFEST_TYPES } from '../oci/image-spec.ts';
import type { ProgressEvent } from './layers.ts';
import { parseManifestOrIndex } from './manifest.ts';
import { hostPlatform } from './platform.ts';
import { formatReference, parseReference } from './reference.ts';
import { findRecord, manifestFor } from './resolve.ts';
import type { ImageService } from './service.ts';
import { children, reachable } from './walk.ts';

export interface PushOptions {
  /** Upload in PATCH chunks of this many bytes (default: one monolithic PUT). */
  chunkSize?: number;
  concurrency?: number;
  progress?: (e: ProgressEvent) => void;
}

export async function push(svc: ImageService, source: string, dest?: string, opts: PushOptions = {}): Promise<{ name: string; digest: string }> {
  const record = findRecord(svc, source);
  const ref = parseReference(dest ?? record.name);
  const name = formatReference(ref);
  let top = record.target;
  // An index pulled for one platform lacks its other manifests; push what we have.
  if (INDEX_TYPES.includes(top.mediaType) && (await children(svc.content, top)).some((d) => !svc.content.has(d.digest))) {
    top = (await manifestFor(svc.content, top, hostPlatform(), record.name)).desc;
  }
  const all = await reachable(svc.content, top);
  const manifests = all.filter((d) => MANIFEST_TYPES.includes(d.mediaType) || INDEX_TYPES.includes(d.mediaType));
  const blobs = all.filter((d) => !manifests.includes(d));
  const sources = svc.images.list().map((r) => parseReference(r.name.startsWith('sha256:') ? 'x/x' : r.name))
    .filter((r) => r.registry === ref.registry && r.repository !== ref.repository);
  const report = opts.progress ?? (() => undefined);

  const pushBlob = async (d: Descriptor): Promise<void> => {
    if (await svc.registry.hasBlob(ref, d.digest)) return report({ id: d.digest, phase: 'exists' });
    for (const from of new Set(sources.map((s) => s.repository))) {
      if (await svc.registry.mountBlob(ref, d.digest, from)) return report({ id: d.digest, phase: 'exists' });
    }
    report({ id: d.digest, phase: 'downloading', done: 0, total: d.size });
    const path = svc.content.path(d.digest);
    await svc.registry.uploadBlob(ref, d.digest, d.size, (start, end) => createReadStream(path, { start, end: end - 1 }), opts.chunkSize);
    report({ id: d.digest, phase: 'done' });
  };
  const queue = [...blobs];
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, queue.length) }, async () => {
    while (queue.length) await pushBlob(queue.shift()!);
  }));
  // Children before parents: a registry refuses an index whose manifests it lacks.
  const order = [...manifests].reverse();
  for (const m of order) {
    const data = await svc.content.read(m.digest);
    parseManifestOrIndex(data, m.mediaType, `manifest ${m.digest}`);
    const tag = m === top ? (ref.digest ?? ref.tag ?? m.digest) : m.digest;
    await svc.registry.putManifest(ref, tag, data, m.mediaType);
  }
  await svc.images.put(name, top);
  return { name, digest: top.digest };
}
