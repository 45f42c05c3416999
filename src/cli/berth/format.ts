// Output formats shared by ps, images and the like: Docker's --format, as
// "table" (aligned columns, the default), "json" (one object a line), or a
// Go-template subset: {{.Field}} placeholders, \t and \n, with "table "
// in front printing a header row.

import { UsageError } from '../../oci/errors.ts';

export type Row = Record<string, string>;

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return `${human(s)} ago`;
}

/** Docker's go-units HumanDuration. */
export function human(s: number): string {
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.round(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.round(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.round(h / 24 / 30)} months`;
  return `${Math.round(h / 24 / 365)} years`;
}

export function table(columns: [string, string][], rows: Row[]): string {
  const widths = columns.map(([key, head]) => Math.max(head.length, ...rows.map((r) => (r[key] ?? '').length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')}\n`;
  return line(columns.map(([, h]) => h)) + rows.map((r) => line(columns.map(([k]) => r[k] ?? ''))).join('');
}

/** Renders rows as the --format text asks; fields are the keys of each row. */
export function render(format: string | undefined, columns: [string, string][], rows: Row[]): string {
  if (format === undefined || format === 'table') return table(columns, rows);
  if (format === 'json') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const isTable = format.startsWith('table ');
  const tpl = (isTable ? format.slice(6) : format).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const fill = (r: Row, header: boolean) =>
    tpl.replace(/\{\{\s*\.(\w+)\s*\}\}|\{\{\s*json\s+\.(\w+)\s*\}\}/g, (_, f: string | undefined, j: string | undefined) => {
      const key = (f ?? j)!;
      if (header) return columns.find(([k]) => k === key)?.[1] ?? key.toUpperCase();
      if (!(key in r)) throw new UsageError(`--format: no field "${key}" (fields: ${Object.keys(r).join(', ')})`);
      return j ? JSON.stringify(r[key]) : r[key];
    });
  if (/\{\{(?!\s*(\.\w+|json\s+\.\w+)\s*\}\})/.test(tpl)) throw new UsageError(`--format: only {{.Field}} and {{json .Field}} are understood in "${format}"`);
  const out = rows.map((r) => `${fill(r, false)}\n`).join('');
  if (!isTable) return out;
  // A table template's cells are tab-separated: aligned as a table.
  const lines = [fill(rows[0] ?? {}, true), ...out.split('\n').slice(0, -1)].map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const l of lines) l.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return lines.map((l) => `${l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')}\n`).join('');
}

/** Docker's go-units HumanSize: decimal units, four significant digits (0B, 512B, 1.235MB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}
