// Subcommand dispatch shared by the runts and berth CLIs.

import { RuntimeError } from '../oci/errors.ts';
import { EngineError } from '../engine/errors.ts';
import { writeOut, writeErr } from './output.ts';

export type Loader<C> = () => Promise<{ default: (ctx: C, argv: string[]) => Promise<number> }>;

/** The subcommand named first in args, or the exit code after printing usage or an error. */
export function pickCommand<C>(
  prog: string,
  args: string[],
  help: boolean,
  commands: Record<string, Loader<C>>,
  usage: string,
): { load: Loader<C>; rest: string[] } | number {
  const [name, ...rest] = args;
  if (!name || help || name === 'help') {
    writeOut(usage);
    return name || help ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    writeErr(`${prog}: no such command "${name}"\n${usage}`);
    return 1;
  }
  return { load, rest };
}

/** Our own errors carry their message for users; anything else is a bug, shown with its stack. */
export function describeError(e: unknown): string {
  if (e instanceof RuntimeError || e instanceof EngineError) return e.message;
  // A failed system call names its errno, call and path: a stack would only hide that.
  const sys = e as NodeJS.ErrnoException;
  if (sys instanceof Error && typeof sys.code === 'string' && sys.syscall) return sys.message;
  return (e as Error).stack ?? String(e);
}
