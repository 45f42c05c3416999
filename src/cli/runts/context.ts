// What every runts subcommand receives: the runtime library and the logger.

import { Runtime } from '../../runtime/runtime.ts';
import type { Logger } from '../log.ts';

export interface Context {
  root?: string;
  log: Logger;
  runtime(): Runtime;
}

export type Command = (ctx: Context, argv: string[]) => Promise<number>;

/** rootless: undefined decides as runc's --rootless=auto does. */
export function makeContext(root: string | undefined, log: Logger, rootless?: boolean): Context {
  let rt: Runtime | undefined;
  return {
    root,
    log,
    runtime: () => (rt ??= new Runtime({ root, rootless, warn: (m) => log.warn(m) })),
  };
}

/** stdio for the container: our 0..2, then fds 3..3+n-1 passed through. */
export function passthroughStdio(preserveFds: number): number[] {
  return Array.from({ length: 3 + preserveFds }, (_, i) => i);
}
