// runts: an OCI runtime with runc's command line.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { Logger } from '../log.ts';
import { describeError, type Loader, pickCommand } from '../dispatch.ts';
import { type Context, makeContext } from './context.ts';
import { writeOut, writeErr } from '../output.ts';

const COMMANDS: Record<string, Loader<Context>> = {
  spec: () => import('./spec.ts'),
  create: () => import('./create.ts'),
  start: () => import('./start.ts'),
  run: () => import('./run.ts'),
  state: () => import('./state.ts'),
  list: () => import('./list.ts'),
  ps: () => import('./ps.ts'),
  events: () => import('./events.ts'),
  kill: () => import('./kill.ts'),
  pause: () => import('./pause.ts'),
  resume: () => import('./resume.ts'),
  delete: () => import('./delete.ts'),
  exec: () => import('./exec.ts'),
  update: () => import('./update.ts'),
  features: () => import('./features.ts'),
};

const USAGE = `usage: runts [global options] command [command options] [arguments...]

commands: ${Object.keys(COMMANDS).join(', ')}

global options:
  --root value        root directory for container state (default: "/run/runts";
                      for a user, "$XDG_RUNTIME_DIR/runts")
  --rootless value    go without cgroups that cannot be made: true, false or auto
                      (default: "auto": when not root, or root of a user namespace)
  --log value         log file (default: stderr)
  --log-format value  text or json (default: "text")
  --debug             enable debug logging
  --version, -v       print the version
`;

export const VERSION = '0.1.0';

export async function main(argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'root', type: 'string' },
    { name: 'log', type: 'string' },
    { name: 'log-format', type: 'string' },
    { name: 'debug', type: 'bool' },
    { name: 'systemd-cgroup', type: 'bool' },
    { name: 'rootless', type: 'string' },
    { name: 'criu', type: 'string' },
    { name: 'version', alias: 'v', type: 'bool' },
    { name: 'help', alias: 'h', type: 'bool' },
  ]);
  const log = new Logger(flags.log as string | undefined, flags['log-format'] as string | undefined, !!flags.debug);
  if (flags.version) {
    writeOut(`runts version ${VERSION}\nspec: 1.3.0\n`);
    return 0;
  }
  const picked = pickCommand('runts', args, !!flags.help, COMMANDS, USAGE);
  if (typeof picked === 'number') return picked;
  const rootless = flags.rootless as string | undefined;
  if (rootless !== undefined && !['true', 'false', 'auto'].includes(rootless)) {
    writeErr(`runts: --rootless: "${rootless}" is not true, false or auto\n`);
    return 2;
  }
  const ctx = makeContext(flags.root as string | undefined, log, rootless === 'true' ? true : rootless === 'false' ? false : undefined);
  try {
    // Until there is a systemd driver: taken as cgroupfs, slice:prefix:name would become a literal directory.
    if (flags['systemd-cgroup']) throw new UsageError('--systemd-cgroup: runts has no systemd cgroup driver yet (cgroupfs only)');
    return await (await picked.load()).default(ctx, picked.rest);
  } catch (e) {
    const msg = describeError(e);
    log.error(msg);
    writeErr(`runts: ${msg}\n`);
    return 1;
  }
}
