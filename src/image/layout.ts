// OCI image layouts (oci-layout, index.json, blobs/<alg>/<encoded>): import
// into the store, verified blob by blob, and export from it. Export yields
// files, so a directory and a tar archive are written by the same code.

import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Descriptor, Index } from '../oci/image-spec.ts';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, INDEX_TYPES, MANIFEST_TYPES, MediaType } from '../oci/image-spec.ts';
import { parseDigest } from './digest.ts';
import { ArchiveError } from './errors.ts';
import { parseManifestOrIndex } from './manifest.ts';
import { formatReference, parseReference } from './reference.ts';
import { findRecord } from './resolve.ts';
import type { ImageService } from './service.ts';
import type { Lease } from './store/leases.ts';
import { reachable } from './walk.ts';

export interface LayoutFile {
  path: string;
  data?: Buffer;
  /** A blob in the content store, streamed rather than read whole. */
  blob?: Descriptor;
}

export const blobPath = (digest: string): string => {
  const { algorithm, encoded } = parseDigest(digest);
  return `blobs/${algorithm}/${encoded}`;
};

/** Copies desc and everything below it that the layout has into the store. */
async function copyGraph(svc: ImageService, dir: string, desc: Descriptor, lease: Lease, what: string): Promise<void> {
  const path = join(dir, blobPath(desc.digest));
  if (!existsSync(path)) {
    if (svc.content.has(desc.digest)) return;
    throw new ArchiveError(dir, `${what}: blob ${desc.digest} is missing`);
  }
  lease.addDigest(desc.digest);
  await svc.content.ingest({ digest: desc.digest, size: desc.size }, { what: `${what} blob ${desc.digest}`, open: (o) => createReadStream(path, { start: o }) });
  if (!MANIFEST_TYPES.includes(desc.mediaType) && !INDEX_TYPES.includes(desc.mediaType)) return;
  const p = parseManifestOrIndex(await svc.content.read(desc.digest), desc.mediaType, `${what} manifest ${desc.digest}`);
  if (p.kind === 'index') {
    // An index may list platforms the layout does not carry.
    for (const m of p.index.manifests) if (existsSync(join(dir, blobPath(m.digest)))) await copyGraph(svc, dir, m, lease, what);
  } else {
    for (const d of [p.manifest.config, ...p.manifest.layers]) await copyGraph(svc, dir, d, lease, what);
  }
}

/** The name to record for an index.json entry. */
function nameOf(d: Descriptor, fallback?: string): string {
  const full = d.annotations?.[ANNOTATION_IMAGE_NAME];
  if (full) return formatReference(parseReference(full));
  const ref = d.annotations?.[ANNOTATION_REF_NAME];
  if (ref && (ref.includes('/') || ref.includes(':'))) return formatReference(parseReference(ref));
  if (ref && fallback) return formatReference({ ...parseReference(fallback), tag: ref, digest: undefined });
  if (fallback) return formatReference(parseReference(fallback));
  return d.digest;
}

export async function importLayout(svc: ImageService, dir: string, opts: { name?: string } = {}): Promise<string[]> {
  let version: string | undefined;
  try {
    version = (JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: string }).imageLayoutVersion;
  } catch {
    throw new ArchiveError(dir, 'not an OCI image layout (no readable oci-layout file)');
  }
  if (!version?.startsWith('1.')) throw new ArchiveError(dir, `unsupported imageLayoutVersion ${JSON.stringify(version)}`);
  let indexText: Buffer;
  try {
    indexText = readFileSync(join(dir, 'index.json'));
  } catch {
    throw new ArchiveError(dir, 'OCI layout without index.json');
  }
  const p = parseManifestOrIndex(indexText, MediaType.ociIndex, `${dir}/index.json`);
  if (p.kind !== 'index') throw new ArchiveError(dir, 'index.json is not an image index');
  const names: string[] = [];
  const lease = svc.leases.create();
  try {
    for (const d of p.index.manifests) {
      const name = nameOf(d, opts.name);
      await copyGraph(svc, dir, d, lease, name);
      const { annotations: _a, platform: _p, ...target } = d;
      await svc.images.put(name, target);
      names.push(name);
    }
  } finally {
    lease.release();
  }
  return names;
}

/** The files of a layout holding the named images. */
export async function layoutFiles(svc: ImageService, names: string[]): Promise<{ files: LayoutFile[]; index: Index; records: { name: string; target: Descriptor }[] }> {
  const records = names.map((n) => findRecord(svc, n));
  const blobs = new Map<string, Descriptor>();
  for (const r of records) for (const d of await reachable(svc.content, r.target)) blobs.set(d.digest, d);
  const index: Index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: records.map((r): Descriptor => {
      const ref = r.name.startsWith('sha256:') ? undefined : parseReference(r.name);
      const annotations: Record<string, string> = ref ? { [ANNOTATION_IMAGE_NAME]: r.name, [ANNOTATION_REF_NAME]: ref.tag ?? ref.digest ?? 'latest' } : {};
      return { ...r.target, annotations };
    }),
  };
  const files: LayoutFile[] = [
    { path: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    ...[...blobs.values()].map((d) => ({ path: blobPath(d.digest), blob: d })),
    { path: 'index.json', data: Buffer.from(JSON.stringify(index)) },
  ];
  return { files, index, records };
}

