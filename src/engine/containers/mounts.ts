// The user's mounts (-v, --mount, --tmpfs) and the image's VOLUMEs, as OCI
// mounts with host sources: binds checked to exist, tmpfs sized, volumes
// made or found in the volume store.

import { mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import type { Mount } from '../../oci/spec.ts';
import type { ImageConfig } from '../../oci/image-spec.ts';
import type { MountRequest } from '../config.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError } from '../errors.ts';

const PROPAGATION = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];

export function resolveMounts(ctx: EngineContext, id: string, requests: MountRequest[], image: ImageConfig): Mount[] {
  const out: Mount[] = [];
  const targets = new Set<string>();
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
      throw new InvalidArgumentError(`${field}.type`, 'named volumes are not supported yet');
    } else {
      throw new InvalidArgumentError(`${field}.type`, `"${(m as MountRequest).type}" is not one of bind, volume, tmpfs`);
    }
  });
  // The image's VOLUMEs not covered by a user mount get a directory of their own.
  Object.keys(image.config?.Volumes ?? {}).sort().forEach((v, i) => {
    const target = posix.normalize(v);
    if (targets.has(target)) return;
    const src = join(ctx.containerDir(id), 'volumes', String(i));
    mkdirSync(src, { recursive: true });
    out.push({ destination: target, type: 'bind', source: src, options: ['rbind', 'rw', 'rprivate'] });
  });
  return out;
}
