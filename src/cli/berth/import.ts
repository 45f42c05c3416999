// berth import: a root filesystem tarball becomes an image (docker import).

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { importImage } from '../../image/import.ts';
import { parsePlatform } from '../../image/platform.ts';
import type { Context } from './context.ts';

const USAGE = 'usage: berth import [-c|--change INSTRUCTION]... [-m|--message TEXT] [--platform os/arch[/variant]] FILE|- [REPOSITORY[:TAG]]';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'change', alias: 'c', type: 'multi' },
    { name: 'message', alias: 'm', type: 'string' },
    { name: 'platform', type: 'string' },
  ]);
  if (args.length < 1 || args.length > 2) throw new UsageError(USAGE);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(args[0])) throw new UsageError(`import: "${args[0]}": importing from a URL is not supported; download it, then import the file`);
  let platform;
  try {
    platform = flags.platform === undefined ? undefined : parsePlatform(flags.platform as string);
  } catch (e) {
    throw new UsageError(`--platform: ${(e as Error).message}`);
  }
  const img = await importImage(ctx.service(), args[0], {
    ref: args[1], changes: flags.change as string[] | undefined, message: flags.message as string | undefined, platform,
  });
  ctx.out(`${img.id}\n`);
  return 0;
}
