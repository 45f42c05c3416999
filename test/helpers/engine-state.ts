// Looking at (and breaking) an engine under test from outside: inspect's
// object, the runtime's record of a container, a reboot simulated on one
// container, and berth run asynchronously, many at once.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRecord } from '../../src/runtime/state-store.ts';
import { BERTH, leftovers, type TestEngine } from './engine.ts';
import { cgroupDirsOf, type Result } from './runts.ts';

export interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: {
    Status: string; Running: boolean; Pid: number; ExitCode: number; Error: string;
    Health?: { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
  };
}

export function inspectOf(e: TestEngine, ref: string): Inspected {
  const r = e.berth(['inspect', '--type', 'container', ref]);
  if (r.code !== 0) throw new Error(`inspect ${ref}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Inspected[])[0];
}

/** The runtime's state record of a container, while it has one. */
export function runtimeRecord(e: TestEngine, id: string): ContainerRecord {
  return JSON.parse(readFileSync(join(e.runRoot, 'runtime', id, 'state.json'), 'utf8')) as ContainerRecord;
}

function killAndWait(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  // Gone once it is reaped, or a zombie of a parent that will reap it.
  for (;;) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    } catch {
      return;
    }
  }
}

/** SIGKILLs the container's monitor alone: the container keeps running. */
export function killMonitor(e: TestEngine, id: string): number {
  const pid = runtimeRecord(e, id).monitor!.pid;
  killAndWait(pid);
  return pid;
}

/** What a reboot does to one running container: its processes and monitor
 * killed, its runtime state, monitor directory, cgroup and rootfs mount gone
 * (the run root is a tmpfs, cgroups and mounts do not survive). */
export function simulateReboot(e: TestEngine, id: string): void {
  const rec = runtimeRecord(e, id);
  killAndWait(rec.monitor!.pid);
  for (const d of cgroupDirsOf(id)) {
    for (const pid of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) killAndWait(Number(pid));
  }
  killAndWait(rec.pid);
  for (const d of cgroupDirsOf(id).reverse()) {
    for (let i = 0; ; i++) {
      try {
        rmdirSync(d);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Gone already (cpu and cpuacct are one directory on a v1 host), or its last processes still being torn down.
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || i > 1000) throw err;
      }
    }
  }
  spawnSync('umount', [rec.rootfs]);
  rmSync(join(e.runRoot, 'runtime', id), { recursive: true, force: true });
  rmSync(join(e.runRoot, 'monitors', id), { recursive: true, force: true });
}

/** The CLI without waiting for it: many at once (output to files, as runCaptured's). */
export function berthAsync(e: TestEngine, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  const p = spawn(BERTH, [...e.globalArgs, ...args], { stdio: ['ignore', out, err], env });
  closeSync(out);
  closeSync(err);
  return new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      const r = { code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
      rmSync(dir, { recursive: true, force: true });
      resolve(r);
    });
  });
}

/** After a command: everything of a store's containers that should be gone once they are: rows, and leftovers() with active snapshots and mounts. */
export function storeLeftovers(e: TestEngine): string[] {
  // ps first: as any command, it reconciles the store.
  const ps = e.berth(['ps', '-aq', '--no-trunc']);
  if (ps.code !== 0) throw new Error(`ps: ${ps.stderr}`);
  const out = leftovers(e);
  out.push(...ps.stdout.split('\n').filter(Boolean).map((id) => `row ${id}`));
  const snaps = join(e.root, 'snapshots');
  for (const kind of existsSync(snaps) ? readdirSync(snaps) : []) {
    const active = join(snaps, kind, 'active');
    if (existsSync(active)) out.push(...readdirSync(active).map((k) => `snapshots/${kind}/active/${k}`));
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
  out.push(...mounts.filter((m) => m && (m.startsWith(`${e.root}/`) || m.startsWith(`${e.runRoot}/`))).map((m) => `mount ${m}`));
  return out;
}
