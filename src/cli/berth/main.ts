// berth: images (and, to come, containers) in Podman's idiom, daemonless.

import { parseArgs } from '../args.ts';
import { RuntimeError } from '../../oci/errors.ts';
import { describeError, pickCommand } from '../dispatch.ts';
import { type Command, makeContext } from './context.ts';

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  pull: () => import('./pull.ts'),
  push: () => import('./push.ts'),
  images: () => import('./images.ts'),
  image: () => import('./image.ts'),
  inspect: () => import('./inspect.ts'),
  tag: () => import('./tag.ts'),
  rmi: () => import('./rmi.ts'),
  save: () => import('./save.ts'),
  load: () => import('./load.ts'),
};

const USAGE = `usage: berth [global options] command [arguments...]

commands: ${Object.keys(COMMANDS).join(', ')}
  image {ls|inspect|prune|rm|tag|pull|push|save|load}

global options:
  --root DIR                  store root (default: "/var/lib/berth")
  --snapshotter NAME          overlay, copy or auto (default: auto)
  --insecure-registry HOST    speak plain HTTP to HOST (repeatable)
  --registry-ca HOST=FILE     trust the PEM CA in FILE for HOST (repeatable)
  --mirror [HOST=]URL         try URL before HOST (default docker.io) when pulling (repeatable)
  --auth-file FILE            docker config.json with credentials (default: ~/.docker/config.json)
  --max-layer-size SIZE       how far one layer (or a loaded archive) may unpack: bytes, or with
                              a k, m or g suffix (default: 64g or half the store's free space)
`;

export async function main(argv: string[]): Promise<number> {
  try {
    const { flags, args } = parseArgs(argv, [
      { name: 'root', type: 'string' },
      { name: 'snapshotter', type: 'string' },
      { name: 'insecure-registry', type: 'multi' },
      { name: 'registry-ca', type: 'multi' },
      { name: 'mirror', type: 'multi' },
      { name: 'auth-file', type: 'string' },
      { name: 'max-layer-size', type: 'string' },
      { name: 'help', alias: 'h', type: 'bool' },
    ]);
    const picked = pickCommand('berth', args, !!flags.help, COMMANDS, USAGE);
    if (typeof picked === 'number') return picked;
    return await (await picked.load()).default(makeContext(flags), picked.rest);
  } catch (e) {
    process.stderr.write(`berth: ${describeError(e)}\n`);
    return e instanceof RuntimeError && e.code === 'EUSAGE' ? 2 : 1;
  }
}
