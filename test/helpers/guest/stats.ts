// Observing a container on pure v2: `events --stats` against the cgroup
// files, and an OOM reported by the event stream (memory.events watched).
// Each container sits under a parent that hands the memory controller down,
// as a delegating manager would (runts does not enable controllers itself yet).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBundle, uniqueId } from '../bundle.ts';
import { RUNTS } from '../runts.ts';
import { type Check, type Ctx, procsOf, underParent, until } from './common.ts';

const keyed = (path: string, key: string) => BigInt(new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'))![1]);
const num = (path: string) => BigInt(readFileSync(path, 'utf8').trim());

/** Runs fn on a detached busybox container (dd in its image) under /<parent>, then deletes it. */
async function withContainer(c: Ctx, args: string[], fn: (id: string, dir: string) => Promise<void>): Promise<void> {
  await underParent('r2-stats', 'memory', async (parent) => {
    const id = uniqueId('v2-stats');
    const b = makeBundle((s) => (s.linux!.cgroupsPath = `/r2-stats/${id}`), args);
    symlinkSync('busybox', join(b.rootfs, 'bin', 'dd'));
    try {
      c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
      await fn(id, join(parent, id));
    } finally {
      c.runts.run(['delete', '--force', id]);
      b.cleanup();
    }
  });
}

export const statsChecks: Check[] = [
  {
    name: 'events --stats prints what the v2 cgroup files hold',
    run: (c) =>
      withContainer(c, ['sleep', '600'], async (id, dir) => {
        const before = keyed(join(dir, 'cpu.stat'), 'usage_usec') * 1000n;
        const s = JSON.parse(c.runts.ok(['events', '--stats', id]), (_k, v, ctx?: { source?: string }) =>
          typeof v === 'number' && ctx?.source && /^\d+$/.test(ctx.source) ? BigInt(ctx.source) : v,
        ).data;
        const after = keyed(join(dir, 'cpu.stat'), 'usage_usec') * 1000n;
        assert.ok(s.cpu.usage.total >= before && s.cpu.usage.total <= after, `${s.cpu.usage.total} outside [${before}, ${after}]`);
        // memory.max reads "max": the largest uint64, digits exact.
        assert.equal(s.memory.usage.limit, (1n << 64n) - 1n);
        assert.ok(s.memory.usage.usage > 0n && s.memory.raw.anon === keyed(join(dir, 'memory.stat'), 'anon'));
        // No pids controller handed down: the processes are counted, as runc does.
        assert.equal(s.pids.current, BigInt(procsOf(dir).length));
      }),
  },
  {
    name: 'an OOM in a v2 container is reported by events, which ends with the container',
    run: (c) =>
      withContainer(c, ['sleep', '600'], async (id, dir) => {
        // Until runts applies linux.resources, the limit is set in the container's cgroup directly.
        writeFileSync(join(dir, 'memory.max'), String(24 << 20));
        const child = spawn(RUNTS, c.runts.args(['events', '--interval', '300ms', id]), { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
        try {
          await until(() => out.includes('"type":"stats"'), 'events printed stats');
          const hog = c.runts.run(['exec', id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
          assert.equal(hog.code, 137, `the hog was not OOM-killed: ${hog.stderr}`);
          await until(() => out.includes(`{"type":"oom","id":"${id}"}\n`), 'events reported the oom');
          assert.ok(num(join(dir, 'memory.peak')) <= BigInt(24 << 20));
          c.runts.ok(['kill', id, 'KILL']);
          assert.equal(await exit, 0, err);
        } finally {
          child.kill('SIGKILL');
        }
      }),
  },
];
