// Observing a container on pure v2: `events --stats` against the cgroup
// files, and an OOM reported by the event stream (memory.events watched).
// A memory limit makes runts hand the memory controller down to the container.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { parseMisc, parseRdma } from '../../../src/runtime/stats/parse.ts';
import { join } from 'node:path';
import { makeBundle, uniqueId } from '../bundle.ts';
import { RUNTS } from '../runts.ts';
import { CG, type Check, type Ctx, procsOf, until } from './common.ts';

const keyed = (path: string, key: string) => BigInt(new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'))![1]);
const num = (path: string) => BigInt(readFileSync(path, 'utf8').trim());

const LIMIT = 24 << 20;

/** Runs fn on a detached busybox container (dd in its image) with a 24 MiB memory limit, then deletes it. */
async function withContainer(c: Ctx, args: string[], fn: (id: string, dir: string) => Promise<void>): Promise<void> {
  const id = uniqueId('v2-stats');
  const b = makeBundle((s) => (s.linux!.resources = { ...s.linux!.resources, memory: { limit: LIMIT } }), args);
  symlinkSync('busybox', join(b.rootfs, 'bin', 'dd'));
  try {
    c.runts.ok(['run', '--detach', '--bundle', b.dir, id]);
    await fn(id, join(CG, 'runts', id));
  } finally {
    c.runts.run(['delete', '--force', id]);
    b.cleanup();
  }
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
        assert.equal(s.memory.usage.limit, num(join(dir, 'memory.max')));
        assert.equal(s.memory.usage.limit, BigInt(LIMIT));
        // Swap is counted with memory, as v1 does; "max" is the largest uint64, its digits exact.
        const swapMax = readFileSync(join(dir, 'memory.swap.max'), 'utf8').trim();
        assert.equal(s.memory.swap.limit, swapMax === 'max' ? (1n << 64n) - 1n : BigInt(swapMax) + BigInt(LIMIT));
        assert.ok(s.memory.usage.usage > 0n && s.memory.raw.anon === keyed(join(dir, 'memory.stat'), 'anon'));
        // From pids.current, or without the pids controller counted from cgroup.procs, as runc does.
        assert.equal(s.pids.current, BigInt(procsOf(dir).length));
      }),
  },
  {
    name: 'events --stats carries pressure (psi in cpu, memory and blkio), rdma and misc as the cgroup\'s files hold them',
    run: (c) =>
      withContainer(c, ['sleep', '600'], async (id, dir) => {
        // Three busy shells on the guest's cpu keep each other waiting: cpu pressure.
        c.runts.ok(['exec', id, 'sh', '-c', 'for j in 1 2 3; do (i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done) & done; wait']);
        const total = () => BigInt(/^some .* total=(\d+)$/m.exec(readFileSync(join(dir, 'cpu.pressure'), 'utf8'))![1]);
        const before = total();
        const s = JSON.parse(c.runts.ok(['events', '--stats', id]), (_k, v, ctx?: { source?: string }) =>
          typeof v === 'number' && ctx?.source && /^\d+$/.test(ctx.source) ? BigInt(ctx.source) : v,
        ).data;
        const after = total();
        assert.ok(before > 0n, 'the busy shells waited for the cpu');
        assert.ok(s.cpu.psi.some.total >= before && s.cpu.psi.some.total <= after, `${s.cpu.psi.some.total} outside [${before}, ${after}]`);
        assert.equal(typeof s.cpu.psi.some.avg10, 'number');
        assert.ok('psi' in s.memory && 'psi' in s.blkio, Object.keys(s.memory).join());
        // The guest's kernel has both controllers, with no RDMA device and no misc resource.
        const text = (f: string) => readFileSync(join(dir, f), 'utf8');
        assert.ok(existsSync(join(dir, 'rdma.current')) && existsSync(join(dir, 'misc.current')), 'runts hands rdma and misc down on pure v2');
        const rdma = [parseRdma(text('rdma.max')), parseRdma(text('rdma.current'))];
        const plain = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
        assert.equal(plain(s.rdma), plain({ ...(rdma[0].length && { rdma_limit: rdma[0] }), ...(rdma[1].length && { rdma_current: rdma[1] }) }), `rdma.current: ${JSON.stringify(text('rdma.current'))}`);
        const misc = parseMisc(text('misc.current'), text('misc.events'));
        assert.deepEqual(Object.keys(s.misc), Object.keys(misc), `misc.current: ${JSON.stringify(text('misc.current'))}, misc.events: ${JSON.stringify(text('misc.events'))}`);
      }),
  },
  {
    name: 'an OOM in a v2 container is reported by events, which ends with the container',
    run: (c) =>
      withContainer(c, ['sleep', '600'], async (id, dir) => {
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
          assert.ok(num(join(dir, 'memory.peak')) <= BigInt(LIMIT));
          c.runts.ok(['kill', id, 'KILL']);
          assert.equal(await exit, 0, err);
        } finally {
          child.kill('SIGKILL');
        }
      }),
  },
];
