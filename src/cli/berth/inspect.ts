// berth inspect NAME...: containers in Docker's shape, else images.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { inspect as inspectImage } from '../../image/ops.ts';
import { NotFoundError } from '../../engine/errors.ts';
import { render } from './format.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'type', type: 'string' }, { name: 'format', alias: 'f', type: 'string' }]);
  if (args.length < 1) throw new UsageError('usage: berth inspect [--type container|image] [--format F] NAME...');
  const type = flags.type as string | undefined;
  if (type !== undefined && type !== 'container' && type !== 'image') throw new UsageError(`--type: "${type}" is not container or image`);
  const out: Record<string, unknown>[] = [];
  let code = 0;
  for (const name of args) {
    try {
      if (type !== 'image') {
        const berth = await ctx.engine();
        try {
          out.push(await berth.inspect(name));
          continue;
        } catch (e) {
          if (!(e instanceof NotFoundError) || type === 'container') throw e;
        }
      }
      out.push(await imageObject(ctx, name));
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  const format = flags.format as string | undefined;
  if (format === undefined) ctx.out(`${JSON.stringify(out, null, 4)}\n`);
  else ctx.out(render(format, [], out.map(flatten)));
  return code;
}

/** Top-level fields as strings for a --format template: objects as JSON, as Go's template prints maps... close enough for {{.Field}}. */
function flatten(o: Record<string, unknown>): Record<string, string> {
  const r: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) r[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return r;
}

async function imageObject(ctx: Context, name: string): Promise<Record<string, unknown>> {
  const i = await inspectImage(ctx.service(), name);
  return {
    Name: i.record.name, Digest: i.record.target.digest, ManifestDigest: i.manifestDesc.digest, MediaType: i.record.target.mediaType,
    Created: i.config.created, Architecture: i.config.architecture, Os: i.config.os, Variant: i.config.variant, Size: i.size,
    Config: i.config.config ?? {}, RootFS: i.config.rootfs, ChainID: i.chainId, Layers: i.manifest.layers,
  };
}
