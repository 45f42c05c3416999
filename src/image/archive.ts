// save and load: tar archives that are at once an OCI layout and a
// docker-archive (manifest.json), as Docker 25+ writes them. load reads
// either kind, including the legacy docker-archive (<id>/layer.tar).

import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Descriptor, Manifest } from '../oci/image-spec.ts';
import { MediaType } from '../oci/image-spec.ts';
import { detect } from './compression.ts';
import { digestOf, hasher } from './digest.ts';
import { ArchiveError } from './errors.ts';
import { importLayout, layoutFiles } from './layout.ts';
import { hostPlatform } from './platform.ts';
import { familiarName, formatReference, parseReference } from './reference.ts';
import { manifestFor } from './resolve.ts';
import type { ImageService } from './service.ts';
import { writeTar, type WriteEntry } from './tar/writer.ts';
import { unpackLayer } from './unpack.ts';

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export async function save(svc: ImageService, names: string[], out: string): Promise<void> {
  const { files, records } = await layoutFiles(svc, names);
  const docker: DockerManifestEntry[] = [];
  for (const r of records) {
    const { manifest } = await manifestFor(svc.content, r.target, hostPlatform(), r.name);
    docker.push({
      Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
      RepoTags: r.name.startsWith('sha256:') ? [] : [familiarName(parseReference(r.name))],
      Layers: manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
  }
  files.push({ path: 'manifest.json', data: Buffer.from(JSON.stringify(docker)) });
  const dirs = new Set(files.flatMap((f) => (f.path.startsWith('blobs/') ? ['blobs', f.path.split('/').slice(0, 2).join('/')] : [])));
  const entries = function* (): Generator<WriteEntry> {
    for (const d of dirs) yield { name: `${d}/`, type: 'dir', mode: 0o755 };
    for (const f of files) {
      if (f.data) yield { name: f.path, type: 'file', data: f.data };
      else yield { name: f.path, type: 'file', size: f.blob!.size, data: svc.content.stream(f.blob!.digest) };
    }
  };
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await pipeline(Readable.from(writeTar(entries())), out === '-' ? process.stdout : createWriteStream(tmp));
    if (out !== '-') renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function fileDigest(path: string): Promise<string> {
  const h = hasher();
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function layerType(path: string): string {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const c = detect(head);
  return c === 'gzip' ? MediaType.dockerLayerGzip : c === 'zstd' ? MediaType.ociLayerZstd : MediaType.dockerLayer;
}

/** A docker-archive's manifest.json: blobs made into a Docker schema 2 manifest per image. */
async function importDocker(svc: ImageService, dir: string, where: string): Promise<string[]> {
  let entries: DockerManifestEntry[];
  try {
    entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DockerManifestEntry[];
  } catch (e) {
    throw new ArchiveError(where, `manifest.json: ${(e as Error).message}`);
  }
  const names: string[] = [];
  const lease = svc.leases.create();
  try {
    for (const e of entries) {
      const file = (p: string): string => {
        const full = join(dir, p);
        if (!p || p.includes('..') || !existsSync(full)) throw new ArchiveError(where, `manifest.json names "${p}", which the archive lacks`);
        return full;
      };
      const put = async (path: string, mediaType: string): Promise<Descriptor> => {
        const d: Descriptor = { mediaType, digest: await fileDigest(path), size: statSync(path).size };
        lease.addDigest(d.digest);
        await svc.content.ingest(d, { what: `${where}: ${path}`, open: (o) => createReadStream(path, { start: o }) });
        return d;
      };
      const layers: Descriptor[] = [];
      for (const l of e.Layers) layers.push(await put(file(l), layerType(file(l))));
      const config = await put(file(e.Config), MediaType.dockerConfig);
      const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config, layers };
      const data = Buffer.from(JSON.stringify(manifest));
      const target: Descriptor = { mediaType: MediaType.dockerManifest, digest: digestOf(data), size: data.length };
      lease.addDigest(target.digest);
      await svc.content.put(data, target);
      const tags = (e.RepoTags ?? []).map((t) => formatReference(parseReference(t)));
      for (const t of tags.length ? tags : [target.digest]) {
        await svc.images.put(t, target);
        names.push(t);
      }
    }
  } finally {
    lease.release();
  }
  return names;
}

/** Loads a docker-archive or OCI layout tar (path, or "-" for stdin). */
export async function load(svc: ImageService, input: string, opts: { name?: string } = {}): Promise<string[]> {
  const dir = join(svc.root, 'tmp', `load-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    const src = input === '-' ? process.stdin : createReadStream(input);
    // The archive is untrusted: the layer unpacker's path checks apply to it too.
    await unpackLayer(src, { target: dir, whiteouts: 'apply', layer: input });
    if (existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'oci-layout'))) return await importLayout(svc, dir, opts);
    if (existsSync(join(dir, 'manifest.json'))) return await importDocker(svc, dir, input);
    throw new ArchiveError(input, 'neither a docker-archive (manifest.json) nor an OCI layout (oci-layout, index.json)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
