import { UsageError } from '../../oci/errors.ts';
import { inspect } from '../../image/ops.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, args: string[]): Promise<number> {
  if (args.length < 1) throw new UsageError('usage: berth image inspect IMAGE...');
  const out = [];
  for (const name of args) {
    const i = await inspect(ctx.service(), name);
    out.push({ Name: i.record.name, Digest: i.record.target.digest, ManifestDigest: i.manifestDesc.digest, MediaType: i.record.target.mediaType,
      Created: i.config.created, Architecture: i.config.architecture, Os: i.config.os, Variant: i.config.variant, Size: i.size,
      Config: i.config.config ?? {}, RootFS: i.config.rootfs, ChainID: i.chainId, Layers: i.manifest.layers });
  }
  ctx.out(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
