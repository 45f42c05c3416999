import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../args.ts';
import { ConflictError } from '../../oci/errors.ts';
import { defaultSpec, rootlessSpec } from '../../oci/default-spec.ts';
import type { Command } from './context.ts';

const spec: Command = async (_ctx, argv) => {
  const { flags } = parseArgs(argv, [
    { name: 'bundle', alias: 'b', type: 'string' },
    { name: 'rootless', type: 'bool' },
  ]);
  const path = join((flags.bundle as string) ?? '.', 'config.json');
  if (existsSync(path)) throw new ConflictError(`File ${path} exists. Remove it first`);
  const s = flags.rootless ? rootlessSpec(process.getuid?.() ?? 0, process.getgid?.() ?? 0) : defaultSpec();
  writeFileSync(path, `${JSON.stringify(s, null, '\t')}\n`);
  return 0;
};
export default spec;
