// Docker's confirmation for the prune commands: the warning, then one line
// of stdin; anything but y or yes (end of input included) declines.

import { readSync } from 'node:fs';
import type { Context } from './context.ts';
import { humanSize } from './format.ts';

export function confirm(ctx: Context, warning: string): boolean {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const buf = Buffer.alloc(1);
  let line = '';
  try {
    while (readSync(0, buf, 0, 1, null) === 1 && buf[0] !== 0x0a) line += String.fromCharCode(buf[0]);
  } catch {
    // no readable stdin: as declined
  }
  return /^\s*y(es)?\s*$/i.test(line);
}

/** Docker's prune report: each section that removed something, then the total. */
export function pruneReport(sections: [string, string[]][], bytes: number): string {
  let out = '';
  for (const [title, items] of sections) if (items.length) out += `${title}:\n${items.map((i) => `${i}\n`).join('')}\n`;
  return `${out}Total reclaimed space: ${humanSize(bytes)}\n`;
}
