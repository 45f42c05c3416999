// What every berth subcommand gets: the store root and registry settings
// from the global flags, and the image service built from them on first use.

import { readFileSync } from 'node:fs';
import { UsageError } from '../../oci/errors.ts';
import type { HostOptions } from '../../image/registry/client.ts';
import { ImageService, type ServiceOptions } from '../../image/service.ts';
import { Berth } from '../../engine/berth.ts';
import type { Flags } from '../args.ts';

export interface Context {
  root: string;
  service(): ImageService;
  /** The engine on the same store, made on first use (it opens the database and reconciles). */
  engine(): Promise<Berth>;
  out(s: string): void;
}

export type Command = (ctx: Context, args: string[]) => Promise<number>;

function hostValue(v: string, flag: string): [string, string] {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${flag}: expected HOST=VALUE, got "${v}"`);
  return [v.slice(0, eq), v.slice(eq + 1)];
}

/** A size: bytes, or with a k, m or g suffix (powers of 1024). */
function parseSize(v: string, flag: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(v);
  if (!m) throw new UsageError(`--${flag}: expected a size in bytes (with an optional k, m or g), got "${v}"`);
  return Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase());
}

export function makeContext(flags: Flags): Context {
  const root = (flags.root as string | undefined) ?? '/var/lib/berth';
  const hosts: Record<string, HostOptions> = {};
  const host = (h: string): HostOptions => (hosts[h] ??= {});
  for (const h of (flags['insecure-registry'] as string[] | undefined) ?? []) host(h).plainHttp = true;
  for (const v of (flags['registry-ca'] as string[] | undefined) ?? []) {
    const [h, file] = hostValue(v, 'registry-ca');
    host(h).tls = { ca: readFileSync(file) };
  }
  for (const v of (flags.mirror as string[] | undefined) ?? []) {
    // A bare URL is docker's registry-mirrors form, which mirrors Docker Hub only.
    const [h, url] = /^https?:\/\//.test(v) ? ['docker.io', v] : hostValue(v, 'mirror');
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--mirror: expected an http:// or https:// URL, got "${url}"`);
    (host(h).mirrors ??= []).push(url);
  }
  const snap = flags.snapshotter as string | undefined;
  if (snap && !['overlay', 'copy', 'auto'].includes(snap)) throw new UsageError(`--snapshotter: expected overlay, copy or auto, got "${snap}"`);
  const maxLayerSize = flags['max-layer-size'] === undefined ? undefined : parseSize(flags['max-layer-size'] as string, 'max-layer-size');
  const serviceOptions: ServiceOptions = {
    snapshotter: snap as 'overlay' | 'copy' | 'auto' | undefined,
    registry: { hosts, authFile: flags['auth-file'] as string | undefined },
    unpackLimits: { maxLayerSize },
    warn: (msg) => process.stderr.write(`berth: warning: ${msg}\n`),
  };
  let svc: ImageService | undefined;
  let engine: Berth | undefined;
  return {
    root,
    service: () => (svc ??= engine?.ctx.images ?? new ImageService(root, serviceOptions)),
    engine: async () => {
      if (!engine) {
        engine = new Berth({ root, runRoot: flags['run-root'] as string | undefined, images: serviceOptions, warn: serviceOptions.warn });
        await engine.ready();
      }
      return engine;
    },
    out: (s) => process.stdout.write(s),
  };
}
