// Test images: layers, config and manifest built in memory, pushed to a
// plain-HTTP test registry with bare distribution-spec requests (not with
// berth's client, so pull tests do not lean on push).

import { createHash } from 'node:crypto';
import type { Descriptor, ImageConfig, Index, Manifest, Platform } from '../../../src/oci/image-spec.ts';
import { MediaType } from '../../../src/oci/image-spec.ts';
import type { WriteEntry } from '../../../src/image/tar/writer.ts';
import { layer } from './layers.ts';

export const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BuiltImage {
  manifest: Manifest;
  manifestBytes: Buffer;
  digest: string;
  config: ImageConfig;
  blobs: Map<string, Buffer>;
  descriptor: Descriptor;
}

export async function buildImage(layers: WriteEntry[][], opts: {
  compression?: ('gzip' | 'zstd' | 'none')[];
  config?: ImageConfig['config'];
  history?: ImageConfig['history'];
  platform?: Platform;
  docker?: boolean;
} = {}): Promise<BuiltImage> {
  const blobs = new Map<string, Buffer>();
  const descs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const [i, entries] of layers.entries()) {
    const c = opts.compression?.[i] ?? 'gzip';
    const { tar, blob } = await layer(entries, c);
    const mediaType = opts.docker ? MediaType.dockerLayerGzip : c === 'gzip' ? MediaType.ociLayerGzip : c === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
    blobs.set(sha256(blob), blob);
    descs.push({ mediaType, digest: sha256(blob), size: blob.length });
    diffIds.push(sha256(tar));
  }
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const config: ImageConfig = {
    architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
    config: opts.config ?? { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...(opts.history ? { history: opts.history } : {}),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  blobs.set(sha256(configBytes), configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: opts.docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: { mediaType: opts.docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: descs,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(manifestBytes);
  return { manifest, manifestBytes, digest, config, blobs, descriptor: { mediaType: manifest.mediaType!, digest, size: manifestBytes.length, platform } };
}

export function buildIndex(images: BuiltImage[], extra: Descriptor[] = []): { bytes: Buffer; digest: string; index: Index } {
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...images.map((i) => i.descriptor), ...extra] };
  const bytes = Buffer.from(JSON.stringify(index));
  return { bytes, digest: sha256(bytes), index };
}

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

export async function pushBlob(url: string, repo: string, digest: string, data: Buffer): Promise<void> {
  if ((await fetch(`${url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).ok) return;
  const start = await ok(await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' }), `start upload ${digest}`);
  const loc = new URL(start.headers.get('location')!, url);
  loc.searchParams.set('digest', digest);
  await ok(await fetch(loc, { method: 'PUT', body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } }), `upload ${digest}`);
}

export async function pushManifest(url: string, repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<void> {
  await ok(await fetch(`${url}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': mediaType } }), `put manifest ${repo}:${ref}`);
}

export async function pushImage(url: string, repo: string, tag: string | undefined, img: BuiltImage): Promise<void> {
  for (const [d, b] of img.blobs) await pushBlob(url, repo, d, b);
  await pushManifest(url, repo, tag ?? img.digest, img.manifestBytes, img.manifest.mediaType!);
}
