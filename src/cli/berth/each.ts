// Commands that act on each container named, as Docker's: go on past a
// failure, report it, and exit 1 if any failed.

import type { Context } from './context.ts';

export async function forEach(ctx: Context, refs: string[], fn: (ref: string) => Promise<void>, echo = true): Promise<number> {
  let code = 0;
  for (const ref of refs) {
    try {
      await fn(ref);
      if (echo) ctx.out(`${ref}\n`);
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
