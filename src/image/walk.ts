// The graph of an image in the content store: index -> manifests -> config and
// layers. Children that were never fetched (other platforms of an index) are
// skipped, not errors.

import type { Descriptor, ImageConfig, Manifest } from '../oci/image-spec.ts';
import { INDEX_TYPES, MANIFEST_TYPES } from '../oci/image-spec.ts';
import { parseConfig, parseManifestOrIndex } from './manifest.ts';
import type { ContentStore } from './store/content.ts';

export async function children(store: ContentStore, desc: Descriptor): Promise<Descriptor[]> {
  if (!MANIFEST_TYPES.includes(desc.mediaType) && !INDEX_TYPES.includes(desc.mediaType)) return [];
  if (!store.has(desc.digest)) return [];
  const p = parseManifestOrIndex(await store.read(desc.digest), desc.mediaType, `manifest ${desc.digest}`);
  if (p.kind === 'index') return p.index.manifests;
  return [p.manifest.config, ...p.manifest.layers];
}

/** Every descriptor reachable from root (root included) whose blob is present. */
export async function reachable(store: ContentStore, root: Descriptor): Promise<Descriptor[]> {
  const out = new Map<string, Descriptor>();
  const queue = [root];
  while (queue.length) {
    const d = queue.shift()!;
    if (out.has(d.digest) || !store.has(d.digest)) continue;
    out.set(d.digest, d);
    queue.push(...(await children(store, d)));
  }
  return [...out.values()];
}

/** Image manifests (with their configs) reachable from root and present in the store. */
export async function imageManifests(store: ContentStore, root: Descriptor): Promise<{ desc: Descriptor; manifest: Manifest; config?: ImageConfig }[]> {
  const out: { desc: Descriptor; manifest: Manifest; config?: ImageConfig }[] = [];
  for (const d of await reachable(store, root)) {
    if (!MANIFEST_TYPES.includes(d.mediaType)) continue;
    const p = parseManifestOrIndex(await store.read(d.digest), d.mediaType, `manifest ${d.digest}`);
    if (p.kind !== 'manifest') continue;
    const cfg = p.manifest.config;
    let config: ImageConfig | undefined;
    if (store.has(cfg.digest)) {
      try {
        config = parseConfig(await store.read(cfg.digest), `config ${cfg.digest}`);
      } catch {
        config = undefined; // an artifact's config: not an image
      }
    }
    out.push({ desc: d, manifest: p.manifest, config });
  }
  return out;
}
