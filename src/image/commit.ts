// A container's changes as a new image (docker commit): its diff as one more
// layer over its image's, the image's config with the caller's overrides, a
// history entry. The engine pauses the container first if asked to.

import type { ImageConfig, ImageRunConfig } from '../oci/image-spec.ts';
import { MediaType } from '../oci/image-spec.ts';
import { Readable } from 'node:stream';
import { storeImage, writeLayer, type NewImage } from './build.ts';
import { applyChanges } from './changes.ts';
import { layerEntries, type DiffSource } from './diff.ts';
import { ensureLayers } from './layers.ts';
import { formatReference, parseReference } from './reference.ts';
import { resolveImage, type ResolvedImage } from './resolve.ts';
import type { ImageService } from './service.ts';
import { writeTar } from './tar/writer.ts';
import { EntryMaker } from './tree.ts';

export interface CommitOptions {
  /** The container's image: as resolveImage returns it, or a name, ID or digest to resolve. */
  base: ResolvedImage | string;
  /** Where the container's changes are (diffSource() makes one for a snapshot key). */
  changes: DiffSource;
  /** Run config fields that replace the image's (the container's Cmd, Env...). */
  config?: ImageRunConfig;
  /** Dockerfile instructions applied after config (commit --change). */
  instructions?: string[];
  author?: string;
  /** The history entry's comment (commit --message). */
  message?: string;
  /** The history entry's created_by: docker writes the container's command. */
  createdBy?: string;
  /** The new image's name; without it, it is recorded under its manifest digest. */
  ref?: string;
  /** Unpack the new layer into the snapshotter now, so the image is ready to run. */
  unpack?: boolean;
}

export async function commitImage(svc: ImageService, opts: CommitOptions): Promise<NewImage> {
  const name = opts.ref === undefined ? undefined : formatReference(parseReference(opts.ref));
  const base = typeof opts.base === 'string' ? await resolveImage(svc, opts.base) : opts.base;
  const runConfig = applyChanges({ ...base.config.config, ...opts.config }, opts.instructions ?? []);
  const oci = (base.manifest.mediaType ?? base.manifestDesc.mediaType) === MediaType.ociManifest;
  const what = `commit of ${base.record.name}`;
  const lease = svc.leases.create();
  const maker = new EntryMaker();
  try {
    const layer = await writeLayer(svc, lease, Readable.from(writeTar(layerEntries(opts.changes, maker))), what, oci);
    const created = new Date().toISOString();
    const { created: _c, author: _a, config: _r, rootfs: _f, history: _h, ...rest } = base.config;
    const config: ImageConfig = {
      ...rest,
      created,
      ...(opts.author ? { author: opts.author } : {}),
      config: runConfig,
      rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
      history: [...(base.config.history ?? []), {
        created, ...(opts.author ? { author: opts.author } : {}), ...(opts.createdBy ? { created_by: opts.createdBy } : {}),
        ...(opts.message ? { comment: opts.message } : {}),
      }],
    };
    const layers = [...base.manifest.layers, layer.desc];
    const img = await storeImage(svc, lease, config, layers, name, oci);
    if (opts.unpack) await ensureLayers(svc, layers, config.rootfs.diff_ids, { image: img.name, lease, unpack: true });
    return img;
  } finally {
    maker.close();
    lease.release();
  }
}
