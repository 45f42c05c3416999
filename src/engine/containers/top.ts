// berth top: ps(1) on the host cut to the container's processes (those of
// its cgroups), in the Docker API's shape: titles and rows of cells.

import { psRows } from '../../runtime/ps.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError, InvalidArgumentError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** A ps row in as many cells as there are titles, the last (the command) keeping its spaces. */
export function splitRow(row: string, columns: number): string[] {
  const cells = row.trim().split(/\s+/);
  return cells.length <= columns ? cells : [...cells.slice(0, columns - 1), cells.slice(columns - 1).join(' ')];
}

export function topContainer(ctx: EngineContext, row: ContainerRow, psArgs: string[] = []): TopResult {
  if (row.state !== 'running' && row.state !== 'paused') throw new ConflictError(`container ${row.name} is not running`);
  let lines: string[];
  try {
    lines = psRows(ctx.runtimeFor(row.config.runtime).processes(row.id), psArgs);
  } catch (e) {
    throw new InvalidArgumentError('ps options', (e as Error).message);
  }
  const titles = lines[0].trim().split(/\s+/);
  return { titles, processes: lines.slice(1).map((l) => splitRow(l, titles.length)) };
}
