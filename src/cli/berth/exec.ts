// berth exec [-d] [-i] [-t] [-e K=V] [--env-file F] [-u USER] [-w DIR] [--privileged] CONTAINER CMD...
// The process gets this CLI's own stdio (a terminal relayed by the executor
// with -t); berth exits with its status, or Docker's 126/127 when it cannot
// be started.

import { parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import { ExecFailedError } from '../../engine/errors.ts';
import { hostCalls } from '../../native/host.ts';
import { envList } from './run-flags.ts';
import { forwardSignals } from '../runts/signals.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'detach', alias: 'd', type: 'bool' },
    { name: 'interactive', alias: 'i', type: 'bool' },
    { name: 'tty', alias: 't', type: 'bool' },
    { name: 'env', alias: 'e', type: 'multi' },
    { name: 'env-file', type: 'multi' },
    { name: 'user', alias: 'u', type: 'string' },
    { name: 'workdir', alias: 'w', type: 'string' },
    { name: 'privileged', type: 'bool' },
  ]);
  if (args.length < 2) throw new UsageError('usage: berth exec [-d] [-i] [-t] [-e K=V] [-u USER] [-w DIR] [--privileged] CONTAINER CMD...');
  if (flags.tty && flags.interactive && !hostCalls().isatty(0)) throw new UsageError('the input device is not a TTY: drop -t, or run from a terminal');
  const berth = await ctx.engine();
  const detach = !!flags.detach;
  const signals = detach ? undefined : forwardSignals();
  try {
    const p = await berth.exec(args[0], {
      cmd: args.slice(1),
      env: envList(flags),
      user: flags.user as string | undefined,
      workdir: flags.workdir as string | undefined,
      tty: !!flags.tty,
      privileged: !!flags.privileged,
      detach,
      stdio: [flags.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    });
    if (!signals || !p.exit) return 0;
    signals.target(p.pid);
    return await p.exit;
  } catch (e) {
    if (!(e instanceof ExecFailedError)) throw e;
    process.stderr.write(`berth: ${e.message}\n`);
    return e.exitCode;
  } finally {
    signals?.stop();
  }
}
