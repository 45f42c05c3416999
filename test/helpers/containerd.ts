// A private containerd for tests and benches: its own root, state and
// sockets under dir, the CRI plugin off. What it cannot keep private is the
// shims' socket directory, /run/containerd/s (fixed in containerd 1.6): stop()
// removes /run/containerd again when it was not there before.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Containerd {
  sock: string;
  /** ctr against this containerd, in namespace ns. */
  ctr(ns: string, args: string[], opts?: { timeout?: number }): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

export async function startContainerd(dir: string): Promise<Containerd> {
  const sock = join(dir, 'containerd.sock');
  const hadRunDir = existsSync('/run/containerd');
  writeFileSync(join(dir, 'config.toml'), [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]', `  address = "${sock}"`,
    '[ttrpc]', `  address = "${sock}.ttrpc"`,
    '[debug]', '  address = ""',
    '[metrics]', '  address = ""',
  ].join('\n'));
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; spawnSync('ctr', ['--address', sock, 'version'], { stdio: 'ignore' }).status !== 0; i++) {
    if (i > 200) throw new Error('containerd did not start');
    await sleep(50);
  }
  return {
    sock,
    ctr(ns, args, opts = {}) {
      const r = spawnSync('ctr', ['--address', sock, '-n', ns, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60_000 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      if (!hadRunDir) rmSync('/run/containerd', { recursive: true, force: true });
    },
  };
}
