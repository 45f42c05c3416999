// runts update: runc's flags, or --resources FILE|- (a LinuxResources JSON,
// which then stands alone, as in runc).

import { readFileSync } from 'node:fs';
import { type Flags, oneId, parseArgs } from '../args.ts';
import { UsageError } from '../../oci/errors.ts';
import type { LinuxResources } from '../../oci/spec.ts';
import { parseJson } from '../../oci/validate.ts';
import type { Command } from './context.ts';

const STRING_FLAGS = [
  'resources', 'memory', 'memory-reservation', 'memory-swap', 'kernel-memory', 'kernel-memory-tcp', 'cpu-shares', 'cpu-share',
  'cpu-quota', 'cpu-period', 'cpu-burst', 'cpu-rt-runtime', 'cpu-rt-period', 'cpuset-cpus', 'cpuset-mems', 'cpu-idle',
  'pids-limit', 'blkio-weight', 'l3-cache-schema', 'mem-bw-schema',
];

/** Sizes as runc reads them (docker/go-units' RAMInBytes): 512, 512k, 1.5g, 1GiB; binary multiples. */
export function ramInBytes(flag: string, text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) throw new UsageError(`--${flag}: invalid size "${text}"`);
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag}: invalid value "${text}"`);
  return n;
}

/** The LinuxResources runc's update flags stand for. */
export function resourcesFromFlags(flags: Flags, warn: (msg: string) => void): LinuxResources {
  const s = (name: string) => flags[name] as string | undefined;
  const r: LinuxResources = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  for (const [flag, key] of [['memory', 'limit'], ['memory-reservation', 'reservation'], ['memory-swap', 'swap']] as const)
    if (s(flag) !== undefined) memory[key] = ramInBytes(flag, s(flag)!);
  if (s('kernel-memory') !== undefined || s('kernel-memory-tcp') !== undefined) warn('--kernel-memory and --kernel-memory-tcp are ignored (kernel memory limits are obsolete)');
  const shares = s('cpu-shares') ?? s('cpu-share');
  if (shares !== undefined) cpu.shares = integer('cpu-shares', shares, 0);
  for (const [flag, key, min] of [
    ['cpu-quota', 'quota', -1], ['cpu-period', 'period', 0], ['cpu-burst', 'burst', 0], ['cpu-rt-runtime', 'realtimeRuntime', -1],
    ['cpu-rt-period', 'realtimePeriod', 0], ['cpu-idle', 'idle', 0],
  ] as const)
    if (s(flag) !== undefined) cpu[key] = integer(flag, s(flag)!, min);
  if (s('cpuset-cpus') !== undefined) cpu.cpus = s('cpuset-cpus');
  if (s('cpuset-mems') !== undefined) cpu.mems = s('cpuset-mems');
  if (Object.keys(memory).length) r.memory = memory;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (s('pids-limit') !== undefined) r.pids = { limit: integer('pids-limit', s('pids-limit')!, -1) };
  if (s('blkio-weight') !== undefined) r.blockIO = { weight: integer('blkio-weight', s('blkio-weight')!, 0) };
  return r;
}

const update: Command = async (ctx, argv) => {
  const { flags, args } = parseArgs(argv, STRING_FLAGS.map((name) => ({ name, alias: name === 'resources' ? 'r' : undefined, type: 'string' as const })));
  const id = oneId(args, 'update');
  let resources: LinuxResources;
  if (flags.resources !== undefined) {
    const from = flags.resources as string;
    let text: string;
    try {
      text = readFileSync(from === '-' ? 0 : from, 'utf8');
    } catch (e) {
      throw new UsageError(`--resources: cannot read ${from === '-' ? 'standard input' : from}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    resources = parseJson(text) as LinuxResources;
  } else resources = resourcesFromFlags(flags, (m) => ctx.log.warn(m));
  const rdt = { l3CacheSchema: flags['l3-cache-schema'] as string | undefined, memBwSchema: flags['mem-bw-schema'] as string | undefined };
  await ctx.runtime().update(id, resources, rdt.l3CacheSchema || rdt.memBwSchema ? rdt : undefined);
  return 0;
};
export default update;
