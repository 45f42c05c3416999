// berth ps: Docker's columns, -a, -q, --no-trunc, --filter, --format.

import { parseArgs } from '../args.ts';
import type { ContainerRow } from '../../engine/berth.ts';
import { readSpec } from '../../engine/containers/inspect.ts';
import { InvalidArgumentError } from '../../engine/errors.ts';
import { ago, human, render, type Row } from './format.ts';
import type { Context } from './context.ts';

const COLUMNS: [string, string][] = [['ID', 'CONTAINER ID'], ['Image', 'IMAGE'], ['Command', 'COMMAND'], ['CreatedAt', 'CREATED'], ['Status', 'STATUS'], ['Ports', 'PORTS'], ['Names', 'NAMES']];

export function statusText(r: ContainerRow, now = Date.now()): string {
  const since = (t?: string) => human(Math.max(0, Math.round((now - Date.parse(t ?? r.createdAt)) / 1000)));
  const health = r.health ? ` (${r.health.status === 'starting' ? 'health: starting' : r.health.status})` : '';
  switch (r.state) {
    case 'running': return `Up ${since(r.startedAt)}${health}`;
    case 'paused': return `Up ${since(r.startedAt)} (Paused)`;
    case 'restarting': return `Restarting (${r.exitCode ?? 0}) ${since(r.finishedAt)} ago`;
    case 'exited': return r.finishedAt ? `Exited (${r.exitCode ?? 0}) ${since(r.finishedAt)} ago` : 'Created';
    case 'created': case 'creating': return 'Created';
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
  }
}

function matches(r: ContainerRow, filters: [string, string][]): boolean {
  const by = new Map<string, string[]>();
  for (const [k, v] of filters) by.set(k, [...(by.get(k) ?? []), v]);
  for (const [k, vs] of by) {
    const ok = vs.some((v) => {
      switch (k) {
        case 'id': return r.id.startsWith(v);
        case 'name': return r.name.includes(v.replace(/^\//, ''));
        case 'status': return (r.state === 'creating' ? 'created' : r.state) === v;
        case 'ancestor': return r.image === v || r.imageId === v || r.imageId.startsWith(`sha256:${v}`);
        case 'label': {
          const [lk, lv] = v.split('=', 2);
          const labels = r.config.labels ?? {};
          return lk in labels && (lv === undefined || labels[lk] === lv);
        }
        case 'exited': return r.state === 'exited' && String(r.exitCode ?? 0) === v;
        default: throw new InvalidArgumentError('--filter', `"${k}" is not a filter berth knows (id, name, status, ancestor, label, exited)`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, [
    { name: 'all', alias: 'a', type: 'bool' },
    { name: 'quiet', alias: 'q', type: 'bool' },
    { name: 'no-trunc', type: 'bool' },
    { name: 'filter', alias: 'f', type: 'multi' },
    { name: 'format', type: 'string' },
    { name: 'last', alias: 'n', type: 'string' },
    { name: 'latest', alias: 'l', type: 'bool' },
  ]);
  const filters = ((flags.filter as string[] | undefined) ?? []).map((f): [string, string] => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('--filter', `"${f}" is not KEY=VALUE`);
    return [f.slice(0, eq), f.slice(eq + 1)];
  });
  const berth = await ctx.engine();
  let rows = (await berth.list({ all: !!flags.all || filters.length > 0 || flags.last !== undefined || !!flags.latest })).filter((r) => matches(r, filters));
  if (flags.latest) rows = rows.slice(0, 1);
  if (flags.last !== undefined) rows = rows.slice(0, Number(flags.last));
  const trunc = !flags['no-trunc'];
  if (flags.quiet) {
    ctx.out(rows.map((r) => `${trunc ? r.id.slice(0, 12) : r.id}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  const out: Row[] = rows.map((r) => {
    const args = readSpec(berth.ctx, r.id)?.process?.args ?? [];
    const cmd = args.join(' ');
    return {
      ID: trunc ? r.id.slice(0, 12) : r.id,
      Image: r.image,
      Command: trunc ? JSON.stringify(cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd) : JSON.stringify(cmd),
      CreatedAt: ago(r.createdAt, now),
      RunningFor: human(Math.round((now - Date.parse(r.createdAt)) / 1000)),
      Status: statusText(r, now),
      State: r.state === 'creating' ? 'created' : r.state,
      Ports: '',
      Names: r.name,
      Labels: Object.entries(r.config.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    };
  });
  ctx.out(render(flags.format as string | undefined, COLUMNS, out));
  return 0;
}
