// What every bench script shares: its numeric options, the --json target,
// the statistics and table it reports with, and a process's memory.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `--name N` from the command line, a non-negative integer (at least `min`), or fallback. */
export function option(name: string, fallback: number, min = 0): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} wants an integer of at least ${min}`);
  return v;
}

/** The file named by `--json FILE`, where the run's figures are written too. */
export function jsonOut(): string | undefined {
  const at = process.argv.indexOf('--json');
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Stats {
  n: number;
  median: number;
  p90: number;
  min: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p90: quantile(s, 0.9), min: s[0] ?? NaN };
}

export const median = (samples: number[]): number => quantile([...samples].sort((a, b) => a - b), 0.5);

export const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '-');

/** Rows as aligned columns: the first left-aligned, the others right. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

export interface Memory {
  rss: number;
  pss: number;
  anon: number;
}

/** A process's memory in KiB, from its smaps_rollup. */
export function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kib('Rss'), pss: kib('Pss'), anon: kib('Anonymous') };
}

/** How a CLI in build/ starts: Bun's compiled executable, or Node's entry (a script); and
 * that runtime's bare start, the part of every call the CLI's own code does not decide. */
export interface CliRuntime {
  onNode: boolean;
  /** The runtime's binary, for --version. */
  runtime: string;
  /** "node -e 0" or "bun -e 0". */
  bareLabel: string;
}

export function cliRuntime(repo: string, cli: string, node: string): CliRuntime {
  const onNode = readFileSync(join(repo, 'build', cli)).subarray(0, 2).toString() === '#!';
  const bun = join(repo, 'node_modules', process.arch === 'arm64' ? '@oven/bun-linux-aarch64' : '@oven/bun-linux-x64', 'bin', 'bun');
  return onNode ? { onNode, runtime: node, bareLabel: 'node -e 0' } : { onNode, runtime: bun, bareLabel: 'bun -e 0' };
}
