// berth: images (and, to come, containers) in Podman's idiom, daemonless.

import { parseArgs } from '../args.ts';
import { RuntimeError, StepError } from '../../oci/errors.ts';
import { describeError, pickCommand } from '../dispatch.ts';
import { CONTAINER_COMMANDS, type Loader } from './container-commands.ts';
import { makeContext } from './context.ts';

const COMMANDS: Record<string, Loader> = {
  ...CONTAINER_COMMANDS,
  events: () => import('./events.ts'),
  container: () => import('./container.ts'),
  healthcheck: () => import('./healthcheck.ts'),
  volume: () => import('./volume.ts'),
  system: () => import('./system.ts'),
  pull: () => import('./pull.ts'),
  push: () => import('./push.ts'),
  images: () => import('./images.ts'),
  image: () => import('./image.ts'),
  tag: () => import('./tag.ts'),
  rmi: () => import('./rmi.ts'),
  save: () => import('./save.ts'),
  load: () => import('./load.ts'),
  import: () => import('./import.ts'),
  history: () => import('./history.ts'),
};

const USAGE = `usage: berth [global options] command [arguments...]

commands: ${Object.keys(COMMANDS).join(', ')}
  image {ls|inspect|prune|rm|tag|pull|push|save|load|import|history}
  container {ls|run|create|start|stop|restart|kill|rm|wait|logs|inspect|exec|attach|pause|unpause|top|stats|cp|port|rename|diff|export|commit|prune}
  volume {create|ls|inspect|rm|prune}
  system {df|prune}

global options:
  --root DIR                  store root (default: "/var/lib/berth")
  --run-root DIR              runtime state and monitors, forgotten at reboot (default: "/run/berth")
  --snapshotter NAME          overlay, copy or auto (default: auto)
  --insecure-registry HOST    speak plain HTTP to HOST (repeatable; a registry on 127.0.0.0/8
                              or localhost does without it, unless given --registry-ca)
  --registry-ca HOST=FILE     trust the PEM CA in FILE for HOST (repeatable)
  --mirror [HOST=]URL         try URL before HOST (default docker.io) when pulling (repeatable)
  --auth-file FILE            docker config.json with credentials (default: ~/.docker/config.json)
  --max-layer-size SIZE       how far one layer (or a loaded archive) may unpack: bytes, or with
                              a k, m or g suffix (default: 64g or half the store's free space)
`;

const RUN_LIKE = new Set(['run', 'create']);

/** Docker's 127 (command not found) and 126 (found, not runnable) for a container process that could not be exec'd. */
function invokeStatus(e: unknown): number | undefined {
  if (!(e instanceof StepError) || (e.op !== 'find-exec' && e.op !== 'exec')) return undefined;
  return e.errno === 2 ? 127 : 126;
}

export async function main(argv: string[]): Promise<number> {
  let command: string | undefined;
  try {
    const { flags, args } = parseArgs(argv, [
      { name: 'root', type: 'string' },
      { name: 'run-root', type: 'string' },
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
    command = args[0] === 'container' ? args[1] : args[0];
    return await (await picked.load()).default(makeContext(flags), picked.rest);
  } catch (e) {
    process.stderr.write(`berth: ${describeError(e)}\n`);
    // Docker's: 125 when run or create fails in berth itself, not in the container.
    if (command && RUN_LIKE.has(command)) return invokeStatus(e) ?? 125;
    return e instanceof RuntimeError && e.code === 'EUSAGE' ? 2 : 1;
  }
}
