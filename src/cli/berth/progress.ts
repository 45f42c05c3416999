// Progress of layer transfers: redrawn bars on a terminal, nothing otherwise.

import type { ProgressEvent } from '../../image/layers.ts';

function human(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)}${units[i]}`;
}

export function progressReporter(quiet: boolean): { report?: (e: ProgressEvent) => void; done(): void } {
  const tty = process.stderr.isTTY && !quiet;
  if (!tty) return { done: () => undefined };
  const rows = new Map<string, string>();
  let drawn = 0;
  let last = 0;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let s = drawn ? `\x1b[${drawn}A` : '';
    for (const [id, line] of rows) s += `\x1b[2K${id.slice(7, 19)}: ${line}\n`;
    drawn = rows.size;
    process.stderr.write(s);
  };
  return {
    report: (e) => {
      const bar = (d: number, t: number): string => {
        const w = 30;
        const f = t ? Math.round((d / t) * w) : 0;
        return `[${'='.repeat(f)}${f < w ? '>' : ''}${' '.repeat(Math.max(0, w - f - 1))}] ${human(d)}/${human(t)}`;
      };
      const line = e.phase === 'downloading' ? bar(e.done ?? 0, e.total ?? 0) : e.phase === 'exists' ? 'already exists' : e.phase === 'done' ? 'done' : e.phase;
      rows.set(e.id, line);
      draw(e.phase !== 'downloading');
    },
    done: () => draw(true),
  };
}
