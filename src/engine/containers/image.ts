// The image a container is made from: found in the store, pulled as the
// pull policy says (Docker's --pull missing|always|never), its layers
// unpacked into snapshots.

import { ImageNotFoundError } from '../../image/errors.ts';
import { ensureLayers } from '../../image/layers.ts';
import { parsePlatform } from '../../image/platform.ts';
import { type ResolvedImage, resolveImage } from '../../image/resolve.ts';
import type { Platform } from '../../oci/image-spec.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError, NotFoundError } from '../errors.ts';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface ImageForContainer {
  image: ResolvedImage;
  chainId: string;
}

export function checkPullPolicy(p: string): PullPolicy {
  if (p !== 'missing' && p !== 'always' && p !== 'never') throw new InvalidArgumentError('--pull', `"${p}" is not one of missing, always, never`);
  return p;
}

export async function imageForContainer(ctx: EngineContext, name: string, policy: PullPolicy, platformText?: string, onPull?: (name: string) => void): Promise<ImageForContainer> {
  let platform: Platform | undefined;
  if (platformText !== undefined) {
    try {
      platform = parsePlatform(platformText);
    } catch (e) {
      throw new InvalidArgumentError('--platform', (e as Error).message);
    }
  }
  let image: ResolvedImage | undefined;
  if (policy !== 'always') {
    try {
      image = await resolveImage(ctx.images, name, platform);
    } catch (e) {
      if (!(e instanceof ImageNotFoundError)) throw e;
    }
  }
  if (!image) {
    if (policy === 'never') throw new NotFoundError('image', name);
    onPull?.(name);
    // The registry client is loaded only for a pull.
    const { pull } = await import('../../image/pull.ts');
    const pulled = await pull(ctx.images, name, { platform });
    image = await resolveImage(ctx.images, pulled.name, platform);
  }
  const lease = ctx.images.leases.create();
  try {
    const chainId = await ensureLayers(ctx.images, image.manifest.layers, image.config.rootfs.diff_ids, { image: image.record.name, lease, unpack: true });
    if (!chainId) throw new InvalidArgumentError('image', `${image.record.name} has no layers`);
    return { image, chainId };
  } finally {
    lease.release();
  }
}
