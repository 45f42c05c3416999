import { intFlag, oneId, parseArgs } from '../args.ts';
import { type Command, passthroughStdio } from './context.ts';

export const CREATE_FLAGS = [
  { name: 'bundle', alias: 'b', type: 'string' },
  { name: 'pid-file', type: 'string' },
  { name: 'console-socket', type: 'string' },
  { name: 'no-pivot', type: 'bool' },
  { name: 'no-new-keyring', type: 'bool' },
  { name: 'preserve-fds', type: 'string' },
] as const;

const create: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, CREATE_FLAGS);
  await ctx.runtime().create(oneId(args, 'create'), {
    bundle: (flags.bundle as string) ?? '.',
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket: flags['console-socket'] as string | undefined,
    noPivot: !!flags['no-pivot'],
    noNewKeyring: !!flags['no-new-keyring'],
    stdio: passthroughStdio(intFlag(flags, 'preserve-fds')),
  });
  return 0;
};
export default create;
