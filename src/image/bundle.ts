// Image config -> runtime bundle: a writable rootfs from the snapshotter and
// a config.json built on runc's default spec, validated before it is written.
// Mapping follows image-spec's conversion.md.

import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from '../oci/default-spec.ts';
import type { Mount, Spec } from '../oci/spec.ts';
import { validateSpec } from '../oci/validate.ts';
import { ImageError } from './errors.ts';
import { ensureLayers } from './layers.ts';
import type { Platform } from '../oci/image-spec.ts';
import { resolveImage } from './resolve.ts';
import type { ImageService } from './service.ts';
import { resolveUser } from './user.ts';

export interface BundleOptions {
  /** Snapshot key and hostname; unique per container. */
  id: string;
  /** Replaces the image's Cmd. */
  args?: string[];
  /** Replaces the image's Entrypoint (and drops its Cmd unless args are given). */
  entrypoint?: string[];
  /** KEY=VALUE, overriding the image's. */
  env?: string[];
  cwd?: string;
  user?: string;
  terminal?: boolean;
  platform?: Platform;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function mergeEnv(...lists: (string[] | undefined)[]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const kv of l ?? []) m.set(kv.split('=', 1)[0], kv);
  return [...m.values()];
}

/** The process arguments: Docker's Entrypoint/Cmd rules with overrides. */
export function processArgs(entry: string[] | null | undefined, cmd: string[] | null | undefined, opts: Pick<BundleOptions, 'args' | 'entrypoint'>): string[] {
  const ep = opts.entrypoint ?? entry ?? [];
  const c = opts.args ?? (opts.entrypoint ? [] : cmd ?? []);
  return [...ep, ...c];
}

export async function createBundle(svc: ImageService, image: string, dir: string, opts: BundleOptions): Promise<{ spec: Spec; rootfs: string }> {
  const img = await resolveImage(svc, image, opts.platform);
  const cfg = img.config.config ?? {};
  const lease = svc.leases.create();
  try {
    const chainId = await ensureLayers(svc, img.manifest.layers, img.config.rootfs.diff_ids, { image: img.record.name, lease, unpack: true });
    if (!chainId) throw new ImageError('EIMAGE', `${img.record.name}: image has no layers`);
    mkdirSync(dir, { recursive: true });
    const rootfs = join(dir, 'rootfs');
    await svc.snapshots.mount(opts.id, chainId, rootfs);
    try {
      const spec = defaultSpec();
      const proc = spec.process!;
      proc.terminal = opts.terminal ?? false;
      proc.args = processArgs(cfg.Entrypoint, cfg.Cmd, opts);
      if (proc.args.length === 0) throw new ImageError('EIMAGE', `${img.record.name}: no command (the image has neither Entrypoint nor Cmd, and none was given)`);
      proc.env = mergeEnv([DEFAULT_PATH], proc.terminal ? ['TERM=xterm'] : [], cfg.Env, opts.env);
      proc.cwd = opts.cwd ?? (cfg.WorkingDir || '/');
      proc.user = resolveUser(rootfs, opts.user ?? cfg.User, img.record.name);
      spec.root = { path: 'rootfs', readonly: false };
      spec.hostname = opts.id.slice(0, 63);
      const volumes = Object.keys(cfg.Volumes ?? {}).sort();
      spec.mounts = [...spec.mounts!, ...volumes.map((v, i): Mount => {
        const src = join(dir, 'volumes', String(i));
        mkdirSync(src, { recursive: true });
        return { destination: v, type: 'bind', source: src, options: ['rbind', 'rw'] };
      })];
      const annotations: Record<string, string> = { ...(cfg.Labels ?? {}) };
      annotations['org.opencontainers.image.ref.name'] = img.record.name;
      annotations['org.opencontainers.image.manifest.digest'] = img.manifestDesc.digest;
      if (cfg.StopSignal) annotations['org.opencontainers.image.stopSignal'] = cfg.StopSignal;
      if (cfg.ExposedPorts) annotations['org.opencontainers.image.exposedPorts'] = Object.keys(cfg.ExposedPorts).join(',');
      if (img.config.author) annotations['org.opencontainers.image.author'] = img.config.author;
      if (img.config.created) annotations['org.opencontainers.image.created'] = img.config.created;
      spec.annotations = annotations;
      const valid = validateSpec(JSON.parse(JSON.stringify(spec)));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(valid, null, 2));
      return { spec: valid, rootfs };
    } catch (e) {
      await svc.snapshots.unmount(opts.id, rootfs);
      throw e;
    }
  } finally {
    lease.release();
  }
}

/** Undoes createBundle: unmounts and removes the rootfs, the container's snapshot and the bundle. */
export async function removeBundle(svc: ImageService, dir: string, id: string): Promise<void> {
  await svc.snapshots.unmount(id, join(dir, 'rootfs'));
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
