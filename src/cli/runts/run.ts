import { intFlag, oneId, parseArgs } from '../args.ts';
import { type Command, passthroughStdio } from './context.ts';
import { CREATE_FLAGS } from './create.ts';
import { forwardSignals } from './signals.ts';

const run: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [
    ...CREATE_FLAGS,
    { name: 'detach', alias: 'd', type: 'bool' },
    { name: 'keep', type: 'bool' },
  ]);
  const id = oneId(args, 'run');
  const rt = ctx.runtime();
  const detach = !!flags.detach;
  const consoleSocket = flags['console-socket'] as string | undefined;
  const signals = detach ? undefined : forwardSignals();
  const created = await rt.run(id, {
    bundle: (flags.bundle as string) ?? '.',
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket,
    noPivot: !!flags['no-pivot'],
    noNewKeyring: !!flags['no-new-keyring'],
    stdio: passthroughStdio(intFlag(flags, 'preserve-fds')),
    wait: !detach,
    terminalRelay: !detach && !consoleSocket,
  });
  if (!signals || !created.exit) return 0;
  signals.target(created.pid);
  const status = await created.exit;
  signals.stop();
  if (!flags.keep) await rt.delete(id, true);
  return status;
};
export default run;
