// An image's history as docker history shows it: newest first, a row per
// history entry, each non-empty one matched with its layer in order.

import type { ImageConfig } from '../oci/image-spec.ts';
import { resolveImage } from './resolve.ts';
import type { ImageService } from './service.ts';
import { imageManifests } from './walk.ts';

export interface HistoryRow {
  /** The image ID (config digest) of the top row, and of any row a local image ends at; otherwise "<missing>". */
  id: string;
  /** RFC 3339, or undefined when the entry has no time. */
  created?: string;
  createdBy: string;
  /** Bytes of the row's layer blob as stored (compressed); 0 for an empty layer. */
  size: number;
  comment: string;
  emptyLayer: boolean;
}

type History = NonNullable<ImageConfig['history']>;

/** What makes an image the image "up to row i" of another: its layers and history so far. */
function key(history: History, diffIds: string[]): string {
  return JSON.stringify([history.map((h) => [h.created, h.created_by, h.comment, !!h.empty_layer]), diffIds]);
}

export async function imageHistory(svc: ImageService, name: string): Promise<HistoryRow[]> {
  const img = await resolveImage(svc, name);
  // An image without history (some old or hand-made ones) gets a row per layer.
  const history: History = img.config.history?.length ? img.config.history : img.config.rootfs.diff_ids.map(() => ({ created: img.config.created }));
  const diffIds = img.config.rootfs.diff_ids;
  const local = new Map<string, string>();
  for (const r of svc.images.list()) {
    for (const m of await imageManifests(svc.content, r.target).catch(() => [])) {
      if (m.config?.history) local.set(key(m.config.history, m.config.rootfs.diff_ids), m.manifest.config.digest);
    }
  }
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const [i, h] of history.entries()) {
    const empty = !!h.empty_layer;
    const size = empty ? 0 : img.manifest.layers[layer]?.size ?? 0;
    if (!empty) layer++;
    const top = i === history.length - 1;
    rows.push({
      id: top ? img.configDesc.digest : local.get(key(history.slice(0, i + 1), diffIds.slice(0, layer))) ?? '<missing>',
      created: h.created, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty,
    });
  }
  return rows.reverse();
}
