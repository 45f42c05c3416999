// The user's mounts (-v, --mount, --tmpfs) and the image's VOLUMEs, as OCI
// mounts with host sources: binds checked to exist, tmpfs sized, volumes
// made or found in the volume store (the image's VOLUMEs not covered by a
// user mount become anonymous volumes), parents before children.

import { statSync } from 'node:fs';
import { isAbsolute, posix } from 'node:path';
import type { Mount } from '../../oci/spec.ts';
import type { ImageConfig } from '../../oci/image-spec.ts';
import type { MountRequest } from '../config.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError } from '../errors.ts';
import { checkVolumeName } from '../volumes/names.ts';
import { attachVolume } from '../volumes/service.ts';

const PROPAGATION = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];

/** made: the volumes this call made, for a failed create to remove (pushed as they are made). */
export async function resolveMounts(ctx: EngineContext, id: string, rootfs: string, requests: MountRequest[], image: ImageConfig, made: string[]): Promise<Mount[]> {
  const out: Mount[] = [];
  const targets = new Set<string>();
  const volumes: { target: string; name?: string; readonly: boolean; noCopy: boolean }[] = [];
  requests.forEach((m, i) => {
    const field = `mounts[${i}]`;
    if (!m.target || !isAbsolute(m.target)) throw new InvalidArgumentError(`${field}.target`, `"${m.target ?? ''}" is not an absolute path in the container`);
    const target = posix.normalize(m.target);
    if (targets.has(target)) throw new InvalidArgumentError(`${field}.target`, `duplicate mount point ${target}`);
    targets.add(target);
    const ro = m.readonly ? ['ro'] : ['rw'];
    if (m.type === 'bind') {
      if (!m.source || !isAbsolute(m.source)) throw new InvalidArgumentError(`${field}.source`, `a bind needs an absolute host path, got "${m.source ?? ''}"`);
      try {
        statSync(m.source);
      } catch {
        throw new InvalidArgumentError(`${field}.source`, `bind source path does not exist: ${m.source}`);
      }
      const prop = m.propagation ?? 'rprivate';
      if (!PROPAGATION.includes(prop)) throw new InvalidArgumentError(`${field}.propagation`, `"${prop}" is not one of ${PROPAGATION.join(', ')}`);
      out.push({ destination: target, type: 'bind', source: m.source, options: ['rbind', ...ro, prop] });
    } else if (m.type === 'tmpfs') {
      const opts = ['nosuid', 'nodev', 'noexec', ...ro];
      if (m.tmpfsSize !== undefined) opts.push(`size=${m.tmpfsSize}`);
      if (m.tmpfsMode !== undefined) opts.push(`mode=${m.tmpfsMode.toString(8)}`);
      out.push({ destination: target, type: 'tmpfs', source: 'tmpfs', options: opts });
    } else if (m.type === 'volume') {
      const name = m.source === undefined || m.source === '' ? undefined : checkVolumeName(m.source, `${field}.source`);
      volumes.push({ target, name, readonly: m.readonly ?? false, noCopy: m.noCopy ?? false });
    } else {
      throw new InvalidArgumentError(`${field}.type`, `"${(m as MountRequest).type}" is not one of bind, volume, tmpfs`);
    }
  });
  for (const v of Object.keys(image.config?.Volumes ?? {}).sort()) {
    const target = posix.normalize(v);
    if (!isAbsolute(target) || targets.has(target)) continue;
    targets.add(target);
    volumes.push({ target, readonly: false, noCopy: false });
  }
  // Every check first: a bad mount further on leaves no volume made.
  for (const v of volumes) {
    const source = await attachVolume(ctx, id, rootfs, { name: v.name, target: v.target, noCopy: v.noCopy }, made);
    out.push({ destination: v.target, type: 'bind', source, options: ['rbind', v.readonly ? 'ro' : 'rw', 'rprivate'] });
  }
  // A parent's mount after its child's would hide it.
  const depth = (p: string) => (p === '/' ? 0 : p.split('/').length);
  return out.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map(({ m }) => m);
}
