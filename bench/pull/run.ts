// bench/pull: pull + unpack of one multi-layer image (busybox plus generated
// files) from a local docker-registry, by berth, containerd (ctr, against a
// private containerd started here) and skopeo copy + umoci unpack. Each runs
// N times from an empty store; prints medians and ratios. Run as root:
//
//   node bench/pull/run.ts [--runs N] [--layers L] [--files F]

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WriteEntry } from '../../src/image/tar/writer.ts';
import { buildImage, pushImage } from '../../test/image/helpers/images.ts';
import { busyboxRootfs } from '../../test/image/helpers/layers.ts';
import { startRegistry } from '../../test/image/helpers/registry.ts';
import { startContainerd } from '../../test/helpers/containerd.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, layers: { type: 'string', default: '6' }, files: { type: 'string', default: '1500' } } });
const RUNS = Number(values.runs);
const BERTH = resolve(import.meta.dirname, '..', '..', 'bin', 'berth');
const work = mkdtempSync(join(tmpdir(), 'berth-bench-'));

/** Files of mixed sizes, half random (incompressible), half text. */
function generated(layer: number, count: number): WriteEntry[] {
  const out: WriteEntry[] = [{ name: `data${layer}`, type: 'dir', mode: 0o755 }];
  for (let i = 0; i < count; i++) {
    const dir = `data${layer}/d${i % 50}`;
    if (i < 50) out.push({ name: dir, type: 'dir', mode: 0o755 });
    const size = 512 + ((i * 7919) % 12_000);
    const data = i % 2 ? randomBytes(size) : Buffer.from(`line ${i} of layer ${layer}\n`.repeat(Math.ceil(size / 24)).slice(0, size));
    out.push({ name: `${dir}/f${i}`, type: 'file', mode: 0o644, data, mtime: 1_700_000_000 });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Dirty pages from the previous run are flushed first, so no run pays for another's writes. */
function time(fn: () => void): number {
  execFileSync('sync');
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}


async function main(): Promise<void> {
  const reg = await startRegistry();
  const layers = [busyboxRootfs(), ...Array.from({ length: Number(values.layers) }, (_, l) => generated(l, Number(values.files)))];
  const img = await buildImage(layers);
  await pushImage(reg.url, 'bench/img', 'v1', img);
  const total = img.manifest.layers.reduce((n, l) => n + l.size, 0);
  const files = layers.reduce((n, l) => n + l.length, 0);
  const ref = `${reg.host}/bench/img:v1`;
  console.log(`image: ${img.manifest.layers.length} layers, ${(total / 1e6).toFixed(1)} MB compressed, ${files} entries; ${RUNS} runs each`);

  const results: Record<string, number[]> = { berth: [], containerd: [], 'skopeo+umoci': [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      const b = join(work, `berth-${i}`);
      results.berth.push(time(() => run(BERTH, ['--root', b, '--insecure-registry', reg.host, 'pull', '-q', ref])));
      rmSync(b, { recursive: true, force: true });

      const c = join(work, `containerd-${i}`);
      mkdirSync(c);
      const cd = await startContainerd(c);
      try {
        results.containerd.push(time(() => run('ctr', ['--address', cd.sock, '-n', 'bench', 'images', 'pull', '--plain-http', ref])));
      } finally {
        await cd.stop();
      }
      execFileSync('sh', ['-c', `grep -o " ${c}[^ ]*" /proc/self/mountinfo | xargs -r -n1 umount 2>/dev/null || true`]);
      rmSync(c, { recursive: true, force: true });

      const s = join(work, `skopeo-${i}`);
      mkdirSync(s);
      results['skopeo+umoci'].push(time(() => {
        run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(s, 'layout')}:v1`]);
        run('umoci', ['unpack', '--image', `${join(s, 'layout')}:v1`, join(s, 'bundle')]);
      }));
      rmSync(s, { recursive: true, force: true });
      process.stderr.write(`run ${i + 1}/${RUNS}: ${Object.entries(results).map(([k, v]) => `${k} ${v[i].toFixed(0)} ms`).join(', ')}\n`);
    }
  } finally {
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const berth = median(results.berth);
  console.log('\npull + unpack, median of', RUNS);
  for (const [k, v] of Object.entries(results)) {
    const m = median(v);
    console.log(`  ${k.padEnd(14)} ${m.toFixed(0).padStart(6)} ms   ${k === 'berth' ? '' : `berth is ${(m / berth).toFixed(2)}x faster`}`);
  }
}

await main();
