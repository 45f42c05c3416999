// Drives the runts CLI as clients do (a separate process), with a private
// state root per test file so tests never see each other's containers.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const RUNTS = resolve(import.meta.dirname, '..', '..', 'bin', 'runts');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs cmd to its end with output to files, not pipes: a detached container
 * keeps its stdio open, and a pipe would keep the caller waiting for it.
 * fd3: text the command gets to read on fd 3. */
export function runCaptured(cmd: string, args: string[], opts: { cwd?: string; timeout?: number; fd3?: string } = {}): Result {
  const dir = mkdtempSync(join(tmpdir(), 'runts-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  const extra: number[] = [];
  if (opts.fd3 !== undefined) {
    writeFileSync(join(dir, 'fd3'), opts.fd3);
    extra.push(openSync(join(dir, 'fd3'), 'r'));
  }
  try {
    const r = spawnSync(cmd, args, { cwd: opts.cwd, stdio: ['ignore', out, err, ...extra], timeout: opts.timeout ?? 60_000 });
    return { code: r.status ?? -1, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    for (const fd of [out, err, ...extra]) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export class Runts {
  readonly root: string;
  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'runts-root-'));
  }

  args(args: string[]): string[] {
    return ['--root', this.root, ...args];
  }

  run(args: string[], opts: { cwd?: string; timeout?: number; fd3?: string } = {}): Result {
    return runCaptured(RUNTS, this.args(args), opts);
  }

  /** Like run, without blocking the event loop; output also goes to files. */
  async runAsync(args: string[], opts: { cwd?: string } = {}): Promise<Result> {
    const dir = mkdtempSync(join(tmpdir(), 'runts-out-'));
    const out = openSync(join(dir, 'out'), 'w+');
    const err = openSync(join(dir, 'err'), 'w+');
    try {
      const child = spawn(RUNTS, this.args(args), { cwd: opts.cwd, stdio: ['ignore', out, err] });
      const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
      return { code, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
    } finally {
      closeSync(out);
      closeSync(err);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  ok(args: string[], opts?: { cwd?: string }): string {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`runts ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  state(id: string): { status: string; pid?: number; [k: string]: unknown } {
    return JSON.parse(this.ok(['state', id]));
  }

  /** Deletes every container left in this root, then the root itself. */
  cleanup(): void {
    if (existsSync(this.root)) for (const id of readdirSync(this.root)) this.run(['delete', '--force', id]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Leftovers of a container on the host: cgroup dirs and state. */
export function cgroupDirsOf(id: string): string[] {
  const out = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', id], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean);
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
