// save and load: tar archives that are at once an OCI layout and a
// docker-archive (manifest.json, repositories), as Docker 25+ writes them,
// plus the legacy per-layer directories (<id>/json, layer.tar, VERSION) that
// loaders from before manifest.json read. load takes an OCI layout, else a
// docker-archive's manifest.json, else the legacy layout's repositories.

import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Descriptor, ImageConfig, Manifest } from '../oci/image-spec.ts';
import { MediaType } from '../oci/image-spec.ts';
import { decompress, detect } from './compression.ts';
import { chainIds, digestOf, hasher } from './digest.ts';
import { ArchiveError } from './errors.ts';
import { blobPath, importLayout, layoutFiles } from './layout.ts';
import type { UnpackLimits } from './limits.ts';
import { isImageManifest, MAX_CONFIG, parseConfig } from './manifest.ts';
import { hostPlatform } from './platform.ts';
import { familiarName, formatReference, parseReference } from './reference.ts';
import { manifestFor } from './resolve.ts';
import type { ImageService } from './service.ts';
import type { Lease } from './store/leases.ts';
import { writeTar, type WriteEntry } from './tar/writer.ts';
import { unpackLayer } from './unpack.ts';

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** A layer's v1 JSON: for the top layer the image config with the v1 fields, for the others its history entry. */
type V1Json = Record<string, unknown> & { id?: string; parent?: string };

const V1_ID = /^[a-f0-9]{64}$/;

/**
 * The legacy directories of one image. A v1 ID is derived from the layer's
 * chain ID, its parent's ID and what its json says (the config, for the top),
 * so images sharing layers and history share directories. layer.tar links to
 * the blob, as in Docker 25's archives, rather than holding a second copy.
 */
function legacyLayers(manifest: Manifest, config: ImageConfig, configDigest: string): { id: string; json: V1Json; layer: Descriptor }[] {
  const chain = chainIds(config.rootfs.diff_ids);
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  let parent: string | undefined;
  return manifest.layers.map((layer, i) => {
    const top = i === manifest.layers.length - 1;
    let json: V1Json;
    if (top) {
      const { rootfs: _r, history: _h, ...rest } = config;
      json = rest;
    } else {
      const h = history[i];
      json = { created: h?.created ?? config.created, author: h?.author, comment: h?.comment, container_config: { Cmd: h?.created_by ? [h.created_by] : [] } };
    }
    const id = digestOf(`${parent ?? ''} ${chain[i]} ${top ? configDigest : JSON.stringify(json)}`).slice(7);
    json = { id, parent, ...json };
    parent = id;
    return { id, json, layer };
  });
}

export async function save(svc: ImageService, names: string[], out: string): Promise<void> {
  const { files, records } = await layoutFiles(svc, names);
  const docker: DockerManifestEntry[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const legacy = new Map<string, WriteEntry[]>();
  for (const r of records) {
    const { manifest } = await manifestFor(svc.content, r.target, hostPlatform(), r.name);
    // An artifact is not something docker could load.
    if (!isImageManifest(manifest)) continue;
    const config = parseConfig(await svc.content.read(manifest.config.digest), `${r.name} config ${manifest.config.digest}`);
    const ref = r.name.startsWith('sha256:') ? undefined : parseReference(r.name);
    docker.push({
      Config: blobPath(manifest.config.digest),
      RepoTags: ref ? [familiarName(ref)] : [],
      Layers: manifest.layers.map((l) => blobPath(l.digest)),
    });
    const layers = legacyLayers(manifest, config, manifest.config.digest);
    for (const { id, json, layer } of layers) {
      legacy.set(id, [
        { name: `${id}/`, type: 'dir', mode: 0o755 },
        { name: `${id}/VERSION`, type: 'file', data: Buffer.from('1.0') },
        { name: `${id}/json`, type: 'file', data: Buffer.from(JSON.stringify(json)) },
        { name: `${id}/layer.tar`, type: 'symlink', linkname: `../${blobPath(layer.digest)}`, mode: 0o777 },
      ]);
    }
    if (ref?.tag && layers.length) (repositories[familiarName({ ...ref, tag: undefined, digest: undefined })] ??= {})[ref.tag] = layers[layers.length - 1].id;
  }
  files.push({ path: 'manifest.json', data: Buffer.from(JSON.stringify(docker)) });
  files.push({ path: 'repositories', data: Buffer.from(JSON.stringify(repositories)) });
  const dirs = new Set(files.flatMap((f) => (f.path.startsWith('blobs/') ? ['blobs', f.path.split('/').slice(0, 2).join('/')] : [])));
  const entries = function* (): Generator<WriteEntry> {
    for (const d of dirs) yield { name: `${d}/`, type: 'dir', mode: 0o755 };
    for (const f of files) {
      if (f.data) yield { name: f.path, type: 'file', data: f.data };
      else yield { name: f.path, type: 'file', size: f.blob!.size, data: svc.content.stream(f.blob!.digest) };
    }
    for (const l of legacy.values()) yield* l;
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

/** The digest of a layer file's uncompressed tar. */
async function diffIdOf(path: string): Promise<string> {
  const h = hasher();
  for await (const c of decompress(createReadStream(path))) h.update(c);
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

/** A file the archive names: it must be a regular file inside the archive, which may hold symlinks pointing anywhere. */
function member(dir: string, p: string, where: string): string {
  let real: string;
  try {
    real = realpathSync(join(dir, p));
  } catch {
    throw new ArchiveError(where, `"${p}" is named but the archive lacks it`);
  }
  if (!real.startsWith(`${realpathSync(dir)}/`) || !statSync(real).isFile()) throw new ArchiveError(where, `"${p}" is not a file inside the archive`);
  return real;
}

/** A small member (a config, a json file) read whole. */
function readSmall(dir: string, p: string, where: string): Buffer {
  const path = member(dir, p, where);
  if (statSync(path).size > MAX_CONFIG) throw new ArchiveError(where, `"${p}" is larger than ${MAX_CONFIG} bytes`);
  return readFileSync(path);
}

function readJson<T>(dir: string, p: string, where: string): T {
  const data = readSmall(dir, p, where);
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (e) {
    throw new ArchiveError(where, `${p}: ${(e as Error).message}`);
  }
}

/** Records one image: layer files and config as blobs, a Docker schema 2 manifest over them, its tags (or, untagged, its digest). */
async function addImage(svc: ImageService, lease: Lease, where: string, layerFiles: { name: string; path: string }[], config: Buffer, tags: string[]): Promise<string[]> {
  const layers: Descriptor[] = [];
  for (const { name, path } of layerFiles) {
    const d: Descriptor = { mediaType: layerType(path), digest: await fileDigest(path), size: statSync(path).size };
    lease.addDigest(d.digest);
    await svc.content.ingest(d, { what: `${where}: ${name}`, open: (o) => createReadStream(path, { start: o }) });
    layers.push(d);
  }
  const cfg: Descriptor = { mediaType: MediaType.dockerConfig, digest: digestOf(config), size: config.length };
  lease.addDigest(cfg.digest);
  await svc.content.put(config, cfg, `${where}: config`);
  const data = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: cfg, layers } satisfies Manifest));
  const target: Descriptor = { mediaType: MediaType.dockerManifest, digest: digestOf(data), size: data.length };
  lease.addDigest(target.digest);
  await svc.content.put(data, target);
  const names = tags.length ? tags.map((t) => formatReference(parseReference(t))) : [target.digest];
  for (const n of names) await svc.images.put(n, target);
  return names;
}

/** A docker-archive's manifest.json: each entry's config and layer files. */
async function importDocker(svc: ImageService, dir: string, where: string): Promise<string[]> {
  const entries = readJson<DockerManifestEntry[]>(dir, 'manifest.json', where);
  if (!Array.isArray(entries)) throw new ArchiveError(where, 'manifest.json is not a list of images');
  const names: string[] = [];
  const lease = svc.leases.create();
  try {
    for (const e of entries) {
      if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw new ArchiveError(where, 'manifest.json: an entry without Config or Layers');
      const config = readSmall(dir, e.Config, where);
      const diffIds = parseConfig(config, `${where}: ${e.Config}`).rootfs.diff_ids;
      if (diffIds.length !== e.Layers.length) throw new ArchiveError(where, `${e.Config} lists ${diffIds.length} layers, manifest.json ${e.Layers.length}`);
      names.push(...await addImage(svc, lease, where, e.Layers.map((l) => ({ name: l, path: member(dir, l, where) })), config, e.RepoTags ?? []));
    }
  } finally {
    lease.release();
  }
  return names;
}

interface V1Layer {
  id: string;
  json: V1Json;
  file: string;
}

/** The layers under a legacy image ID, base first, by following "parent" links. */
function v1Chain(dir: string, top: string, where: string): V1Layer[] {
  const out: V1Layer[] = [];
  for (let id: string | undefined = top; id !== undefined; ) {
    if (typeof id !== 'string' || !V1_ID.test(id)) throw new ArchiveError(where, `layer ID ${JSON.stringify(id)} is not 64 hex digits`);
    if (out.some((l) => l.id === id)) throw new ArchiveError(where, `layer ${id} is its own ancestor`);
    const json: V1Json = readJson<V1Json>(dir, `${id}/json`, where);
    if (json.id !== undefined && json.id !== id) throw new ArchiveError(where, `${id}/json says its ID is ${JSON.stringify(json.id)}`);
    out.unshift({ id, json, file: member(dir, `${id}/layer.tar`, where) });
    id = json.parent || undefined;
  }
  return out;
}

/**
 * The config of a legacy image: its top layer's v1 JSON without the fields
 * that tie it to the v1 layer graph, plus the diff IDs and a history entry
 * per layer, as Docker made it when it moved to content addressing.
 */
function configFromV1(chain: V1Layer[], diffIds: string[]): ImageConfig {
  const { id: _i, parent: _p, Size: _s, parent_id: _pi, layer_id: _l, throwaway: _t, ...rest } = chain[chain.length - 1].json;
  return {
    ...rest,
    // Docker before 1.0 wrote neither field; it ran on linux/amd64 only.
    os: typeof rest.os === 'string' ? rest.os : 'linux',
    architecture: typeof rest.architecture === 'string' ? rest.architecture : 'amd64',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: chain.map(({ json }) => {
      const cmd = (json.container_config as { Cmd?: unknown } | undefined)?.Cmd;
      return {
        created: json.created as string | undefined, author: json.author as string | undefined, comment: json.comment as string | undefined,
        created_by: Array.isArray(cmd) ? cmd.join(' ') : undefined,
      };
    }),
  };
}

/** The legacy layout: repositories maps repo -> tag -> top layer ID; each layer directory has json (with its parent) and layer.tar. */
async function importLegacy(svc: ImageService, dir: string, where: string): Promise<string[]> {
  const repos = readJson<Record<string, Record<string, string>>>(dir, 'repositories', where);
  const diffIds = new Map<string, string>();
  const names: string[] = [];
  const lease = svc.leases.create();
  try {
    for (const [repo, tags] of Object.entries(repos)) {
      for (const [tag, top] of Object.entries(tags)) {
        const chain = v1Chain(dir, top, where);
        for (const l of chain) if (!diffIds.has(l.id)) diffIds.set(l.id, await diffIdOf(l.file));
        const config = Buffer.from(JSON.stringify(configFromV1(chain, chain.map((l) => diffIds.get(l.id)!))));
        names.push(...await addImage(svc, lease, where, chain.map((l) => ({ name: `${l.id}/layer.tar`, path: l.file })), config, [`${repo}:${tag}`]));
      }
    }
  } finally {
    lease.release();
  }
  return names;
}

/** Loads a docker-archive or OCI layout tar (path, or "-" for stdin). */
/** limits: over the service's unpack limits, which apply to the archive as to one layer. */
export async function load(svc: ImageService, input: string, opts: { name?: string; limits?: Partial<UnpackLimits> } = {}): Promise<string[]> {
  const dir = join(svc.root, 'tmp', `load-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    const src = input === '-' ? process.stdin : createReadStream(input);
    // The archive is untrusted: the layer unpacker's path checks apply to it too.
    await unpackLayer(src, { target: dir, whiteouts: 'apply', what: `archive ${input}`, limits: svc.unpackLimits(opts.limits), warn: svc.warn });
    if (existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'oci-layout'))) return await importLayout(svc, dir, opts);
    if (existsSync(join(dir, 'manifest.json'))) return await importDocker(svc, dir, input);
    if (existsSync(join(dir, 'repositories'))) return await importLegacy(svc, dir, input);
    throw new ArchiveError(input, 'neither a docker-archive (manifest.json, or repositories) nor an OCI layout (oci-layout, index.json)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
