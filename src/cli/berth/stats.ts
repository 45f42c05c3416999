// berth stats [-a] [--no-stream] [--format F] [CONTAINER...]: Docker's
// columns, redrawn every second (on a terminal, over the last table) until
// SIGINT, or printed once with --no-stream.

import { parseArgs } from '../args.ts';
import type { ContainerStats } from '../../engine/containers/stats.ts';
import { render, type Row } from './format.ts';
import type { Context } from './context.ts';

const COLUMNS: [string, string][] = [['ID', 'CONTAINER ID'], ['Name', 'NAME'], ['CPUPerc', 'CPU %'], ['MemUsage', 'MEM USAGE / LIMIT'], ['MemPerc', 'MEM %'], ['NetIO', 'NET I/O'], ['BlockIO', 'BLOCK I/O'], ['PIDs', 'PIDS']];

/** Docker's go-units: decimal (kB, MB) for I/O, binary (KiB, MiB) for memory, three significant digits. */
export function size(n: number, binary: boolean): string {
  const base = binary ? 1024 : 1000;
  const units = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] : ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

export function statsRow(s: ContainerStats): Row {
  return {
    ID: s.id.slice(0, 12), Container: s.id.slice(0, 12), Name: s.name,
    CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
    MemUsage: `${size(s.memoryUsage, true)} / ${size(s.memoryLimit, true)}`,
    MemPerc: `${s.memoryPercent.toFixed(2)}%`,
    NetIO: `${size(s.netRx, false)} / ${size(s.netTx, false)}`,
    BlockIO: `${size(s.blockRead, false)} / ${size(s.blockWrite, false)}`,
    PIDs: String(s.pids),
  };
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'all', alias: 'a', type: 'bool' },
    { name: 'no-stream', type: 'bool' },
    { name: 'no-trunc', type: 'bool' },
    { name: 'format', type: 'string' },
  ]);
  const berth = await ctx.engine();
  const stream = !flags['no-stream'];
  const stop = new AbortController();
  const onInt = () => stop.abort();
  process.once('SIGINT', onInt);
  try {
    for await (const round of berth.stats(args.length ? args : undefined, { all: !!flags.all, stream, signal: stop.signal })) {
      const rows = round.map((s) => ({ ...statsRow(s), ...(flags['no-trunc'] && { ID: s.id, Container: s.id }) }));
      if (stream && process.stdout.isTTY) ctx.out('\x1b[2J\x1b[H');
      ctx.out(render(flags.format as string | undefined, COLUMNS, rows));
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  return 0;
}
