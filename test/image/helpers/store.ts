// Putting a test image built in memory straight into a store (no registry),
// and reading a tree back for comparison.

import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLayers } from '../../../src/image/layers.ts';
import type { ImageService } from '../../../src/image/service.ts';
import type { BuiltImage } from './images.ts';

/** Stores the image's blobs, names it, and unpacks its layers into the snapshotter. */
export async function storeBuilt(svc: ImageService, name: string, img: BuiltImage): Promise<void> {
  for (const [digest, data] of img.blobs) await svc.content.put(data, { digest, size: data.length });
  await svc.content.put(img.manifestBytes, { digest: img.digest, size: img.manifestBytes.length });
  await svc.images.put(name, img.descriptor);
  const lease = svc.leases.create();
  try {
    await ensureLayers(svc, img.manifest.layers, img.config.rootfs.diff_ids, { image: name, lease, unpack: true });
  } finally {
    lease.release();
  }
}

/** Every entry below root: "type mode uid:gid" and the content, link target or device. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      const head = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out[`${r}/`] = `dir ${head}`;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `symlink -> ${readlinkSync(join(root, r))}`;
      else if (st.isFile()) out[r] = `file ${head} ${readFileSync(join(root, r)).toString('latin1').slice(0, 40)}`;
      else out[r] = `node ${head} ${st.rdev}`;
    }
  };
  walk('');
  return out;
}
