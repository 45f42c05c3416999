import { readFileSync } from 'node:fs';
import { intFlag, oneId, parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { Process } from '../../oci/spec.ts';
import { parseJson, validateProcess } from '../../oci/validate.ts';
import { type Command, passthroughStdio } from './context.ts';
import { forwardSignals } from './signals.ts';

function mergeEnv(base: string[], extra: string[]): string[] {
  const keys = new Set(extra.map((e) => e.split('=')[0]));
  return [...base.filter((e) => !keys.has(e.split('=')[0])), ...extra];
}

const exec: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, [
    { name: 'tty', alias: 't', type: 'bool' },
    { name: 'detach', alias: 'd', type: 'bool' },
    { name: 'process', alias: 'p', type: 'string' },
    { name: 'env', alias: 'e', type: 'multi' },
    { name: 'cwd', type: 'string' },
    { name: 'user', alias: 'u', type: 'string' },
    { name: 'additional-gids', alias: 'g', type: 'multi' },
    { name: 'cap', alias: 'c', type: 'multi' },
    { name: 'no-new-privs', type: 'bool' },
    { name: 'pid-file', type: 'string' },
    { name: 'console-socket', type: 'string' },
    { name: 'preserve-fds', type: 'string' },
    { name: 'apparmor', type: 'string' },
    { name: 'process-label', type: 'string' },
    { name: 'ignore-paused', type: 'bool' },
  ]);
  const id = oneId(args, 'exec');
  const rt = ctx.runtime();
  let raw: unknown;
  if (flags.process) {
    raw = parseJson(readFileSync(flags.process as string, 'utf8'));
  } else {
    if (args.length < 2) throw new UsageError('exec needs a command to run (or --process)');
    const base = rt.record(id).spec.process;
    if (!base) throw new UsageError(`container "${id}" has no process configuration to start from`);
    const proc: Process = structuredClone(base);
    proc.args = args.slice(1);
    proc.terminal = !!flags.tty;
    delete proc.consoleSize;
    proc.env = mergeEnv(proc.env ?? [], (flags.env as string[]) ?? []);
    if (flags.cwd) proc.cwd = flags.cwd as string;
    if (flags.user) {
      const [uid, gid] = (flags.user as string).split(':').map(Number);
      if (!Number.isInteger(uid) || (gid !== undefined && !Number.isInteger(gid)))
        throw new UsageError(`--user: expected uid[:gid], got "${flags.user}"`);
      proc.user = { ...proc.user, uid, gid: gid ?? proc.user.gid };
    }
    const gids = (flags['additional-gids'] as string[] | undefined)?.map(Number);
    if (gids) proc.user.additionalGids = gids;
    const caps = flags.cap as string[] | undefined;
    if (caps?.length) {
      const c = (proc.capabilities ??= {});
      // As runc: ambient too only where the config has an inheritable set, without which no ambient capability can be raised.
      const sets = ['bounding', 'effective', 'permitted', ...(c.inheritable ? ['ambient' as const] : [])] as const;
      for (const set of sets) c[set] = [...new Set([...(c[set] ?? []), ...caps])];
    }
    if (flags['no-new-privs']) proc.noNewPrivileges = true;
    raw = proc;
  }
  // These set the process's fields, as in runc, and over --process too: validation then
  // refuses them (runts enforces neither yet) where they would otherwise be dropped.
  if (typeof raw === 'object' && raw !== null) {
    if (flags.apparmor !== undefined) (raw as Process).apparmorProfile = flags.apparmor as string;
    if (flags['process-label'] !== undefined) (raw as Process).selinuxLabel = flags['process-label'] as string;
  }
  const proc = validateProcess(raw);
  const detach = !!flags.detach;
  const consoleSocket = flags['console-socket'] as string | undefined;
  const signals = detach ? undefined : forwardSignals();
  const result = await rt.exec(id, {
    process: proc,
    detach,
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket,
    terminalRelay: !detach && !consoleSocket,
    stdio: passthroughStdio(intFlag(flags, 'preserve-fds')),
  });
  if (!signals || !result.exit) return 0;
  signals.target(result.pid);
  const status = await result.exit;
  signals.stop();
  return status;
};
export default exec;
