// The engines bench/run and bench/density put side by side, each on private
// storage under the bench's dirs and on one local image: berth (the CLI),
// Debian's podman (runc, cgroupfs), a private containerd driven by ctr (its
// runc v2 shim) and a private dockerd on that containerd. An engine that is
// not installed is skipped with how to install it; none is installed from here.

import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostHierarchies } from '../src/runtime/cgroups/hierarchy.ts';
import { type Containerd, startContainerd } from '../test/helpers/containerd.ts';

export const BERTH = resolve(import.meta.dirname, '..', 'build', 'berth');

export interface Engine {
  name: 'berth' | 'podman' | 'containerd' | 'docker';
  version: string;
  /** The supervisor per container this engine leaves beside it. */
  supervisor: string;
  /** argv of `run IMAGE CMD`: --rm in the foreground, or detached (-d); id names it (ctr needs one). */
  run(mode: 'rm' | 'detach', id: string, cmd: string[]): [string, string[]];
  /** The pid of a detached container's init. */
  initPid(id: string): number;
  /** Every container this engine made, removed. */
  removeAll(): void;
  /** Daemons (pids) this engine keeps running, for their memory. */
  daemons(): number[];
  stop(): Promise<void>;
}

export interface Skipped {
  name: string;
  why: string;
}

export interface Place {
  /** A temp dir for storage. */
  tmp: string;
  /** A short dir on tmpfs under /run for state and sockets. */
  run: string;
  image: string;
  registryHost: string;
}

export function sh(cmd: string, args: string[], timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

export function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

function onPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

export function pidsOf(comm: string, arg: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(arg)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** Every engine that is installed, set up with the image pulled; the others, why not. */
export async function startEngines(place: Place): Promise<{ engines: Engine[]; skipped: Skipped[] }> {
  const engines: Engine[] = [];
  const skipped: Skipped[] = [];
  const add = (e: Engine | Skipped) => ('run' in e ? engines.push(e) : skipped.push(e));
  try {
    add(berthEngine(place));
    add(podmanEngine(place));
    const c = await containerdEngine(place);
    add(c.engine);
    add(await dockerEngine(place, c.containerd));
  } catch (e) {
    await stopEngines(engines);
    throw e;
  }
  return { engines, skipped };
}

/** Stops in reverse order (docker before the containerd it runs on). */
export async function stopEngines(engines: Engine[]): Promise<void> {
  for (const e of [...engines].reverse()) {
    try {
      e.removeAll();
      await e.stop();
    } catch (err) {
      process.stderr.write(`stopping ${e.name}: ${(err as Error).message}\n`);
    }
  }
}

function berthEngine(place: Place): Engine {
  const root = join(place.tmp, 'berth-cli');
  const runRoot = join(place.run, 'c');
  const berth = (args: string[]): [string, string[]] => [BERTH, ['--root', root, '--run-root', runRoot, ...args]];
  must(sh(...berth(['--insecure-registry', place.registryHost, 'pull', '-q', place.image])), 'berth pull');
  return {
    name: 'berth',
    version: must(sh('git', ['-C', resolve(import.meta.dirname, '..'), 'describe', '--always', '--dirty']), 'git describe').trim(),
    supervisor: 'runts-monitor',
    run: (mode, id, cmd) => berth(mode === 'rm' ? ['run', '--rm', place.image, ...cmd] : ['run', '-d', '--name', id, place.image, ...cmd]),
    initPid: (id) => (JSON.parse(must(sh(...berth(['inspect', id])), 'berth inspect'))[0] as { State: { Pid: number } }).State.Pid,
    removeAll() {
      const ids = sh(...berth(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) must(sh(...berth(['rm', '-f', ...ids]), 600_000), 'berth rm');
    },
    daemons: () => [],
    stop: async () => {},
  };
}

function podmanEngine(place: Place): Engine | Skipped {
  if (!onPath('podman')) return { name: 'podman', why: 'podman not installed (Debian: apt-get install podman)' };
  if (!onPath('runc')) return { name: 'podman', why: 'runc not installed (Debian: apt-get install runc)' };
  const removeLeftovers = leftoverRemover('libpod_parent', '/run/containers');
  const base = [
    '--root', join(place.tmp, 'podman/storage'), '--runroot', join(place.run, 'p'), '--tmpdir', join(place.tmp, 'podman/tmp'),
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', '--runtime', 'runc',
  ];
  const podman = (args: string[]): [string, string[]] => ['podman', [...base, ...args]];
  must(sh(...podman(['pull', '-q', '--tls-verify=false', place.image])), 'podman pull');
  // Podman's default rlimits exceed this host's hard limits; --network none as berth's default.
  const flags = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  return {
    name: 'podman',
    version: sh('podman', ['--version']).stdout.trim(),
    supervisor: 'conmon',
    run: (mode, id, cmd) => podman(mode === 'rm' ? ['run', '--rm', ...flags, place.image, ...cmd] : ['run', '-d', '--name', id, ...flags, place.image, ...cmd]),
    initPid: (id) => Number(must(sh(...podman(['inspect', '--format', '{{.State.Pid}}', id])), 'podman inspect').trim()),
    removeAll() {
      const ids = sh(...podman(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) sh(...podman(['rm', '-f', '-t', '0', ...ids]), 600_000);
    },
    daemons: () => [],
    async stop() {
      sh(...podman(['system', 'reset', '-f']));
      await removeLeftovers();
    },
  };
}

/**
 * What an engine makes outside the dirs it was given and keeps: a cgroup parent at the top of
 * every hierarchy (Podman's libpod_parent, containerd's namespace, dockerd's /docker) and a
 * directory under /run. Looked at now; the function returned removes them, unless they were
 * there before.
 */
export function leftoverRemover(cgroupParent: string, runDir?: string): () => Promise<void> {
  const hadParent = hostHierarchies().some((h) => existsSync(join(h.mountPoint, cgroupParent)));
  const hadRunDir = runDir === undefined || existsSync(runDir);
  return async () => {
    if (!hadParent)
      for (const h of hostHierarchies()) {
        const parent = join(h.mountPoint, cgroupParent);
        if (!existsSync(parent)) continue;
        for (const d of readdirSync(parent, { withFileTypes: true })) if (d.isDirectory()) await removeCgroup(join(parent, d.name));
        await removeCgroup(parent);
      }
    if (!hadRunDir) rmSync(runDir!, { recursive: true, force: true });
  };
}

/** rmdir, retried while a process on its way out still holds the cgroup (conmon outlives `podman rm` briefly). */
async function removeCgroup(dir: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      return rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || tries === 500) throw e;
      await sleep(10);
    }
  }
}

async function containerdEngine(place: Place): Promise<{ engine: Engine | Skipped; containerd?: Containerd }> {
  for (const bin of ['containerd', 'ctr', 'containerd-shim-runc-v2'])
    if (!onPath(bin)) return { engine: { name: 'containerd', why: `${bin} not installed (Debian: apt-get install containerd)` } };
  const dir = join(place.tmp, 'containerd');
  mkdirSync(dir);
  const containerd = await startContainerd(dir);
  const ctr = (args: string[]) => containerd.ctr('bench', args, { timeout: 600_000 });
  const ok = (r: { code: number; stdout: string; stderr: string }, what: string) => {
    if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  try {
    ok(ctr(['images', 'pull', '--plain-http', place.image]), 'ctr pull');
  } catch (e) {
    await containerd.stop();
    throw e;
  }
  const base = ['--address', containerd.sock, '-n', 'bench'];
  // containerd puts a namespace's containers under /<namespace> and keeps it.
  const removeLeftovers = leftoverRemover('bench');
  return {
    containerd,
    engine: {
      name: 'containerd',
      version: sh('containerd', ['--version']).stdout.trim(),
      supervisor: 'containerd-shim-runc-v2',
      run: (mode, id, cmd) => ['ctr', [...base, 'run', mode === 'rm' ? '--rm' : '-d', place.image, id, ...cmd]],
      initPid(id) {
        const line = ok(ctr(['tasks', 'ls']), 'ctr tasks ls').split('\n').find((l) => l.split(/\s+/)[0] === id);
        return Number(line?.split(/\s+/)[1]);
      },
      removeAll() {
        const ids = ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean);
        for (const id of ids) {
          ctr(['tasks', 'delete', '-f', id]);
          ctr(['containers', 'delete', id]);
        }
      },
      daemons: () => pidsOf('containerd', dir),
      async stop() {
        await containerd.stop();
        await removeLeftovers();
      },
    },
  };
}

async function dockerEngine(place: Place, containerd: Containerd | undefined): Promise<Engine | Skipped> {
  const dockerd = onPath('dockerd');
  if (!dockerd) return { name: 'docker', why: 'dockerd not installed (Debian: apt-get install docker.io)' };
  if (!containerd) return { name: 'docker', why: 'no containerd to run dockerd on' };
  // Debian's client, which matches its daemon (another docker may come first on PATH).
  const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : onPath('docker');
  if (!client) return { name: 'docker', why: 'docker client not installed (Debian: apt-get install docker.io)' };
  const sock = join(place.run, 'docker.sock');
  // dockerd puts its containers under /docker and makes /run/docker/plugins whatever its --exec-root.
  const removeLeftovers = leftoverRemover('docker', '/run/docker');
  const child = spawn(dockerd, [
    '--data-root', join(place.tmp, 'docker'), '--exec-root', join(place.run, 'd'), '--pidfile', join(place.run, 'docker.pid'), '-H', `unix://${sock}`,
    '--containerd', containerd.sock, '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--storage-driver', 'overlay2',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const docker = (args: string[]): [string, string[]] => [client, ['-H', `unix://${sock}`, ...args]];
  for (let i = 0; sh(...docker(['version'])).status !== 0; i++) {
    if (child.exitCode !== null || i > 300) {
      await stop();
      return { name: 'docker', why: `dockerd did not start: ${log.trim().split('\n').slice(-2).join(' | ')}` };
    }
    await sleep(50);
  }
  try {
    must(sh(...docker(['pull', '-q', place.image])), 'docker pull');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    name: 'docker',
    version: `docker ${sh(...docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim()}`,
    supervisor: 'containerd-shim-runc-v2',
    run: (mode, id, cmd) => docker(mode === 'rm' ? ['run', '--rm', '--network', 'none', place.image, ...cmd] : ['run', '-d', '--name', id, '--network', 'none', place.image, ...cmd]),
    initPid: (id) => Number(must(sh(...docker(['inspect', '--format', '{{.State.Pid}}', id])), 'docker inspect').trim()),
    removeAll() {
      const ids = sh(...docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) sh(...docker(['rm', '-f', ...ids]), 600_000);
    },
    daemons: () => [child.pid!],
    async stop() {
      sh(...docker(['rmi', '-f', place.image]));
      await stop();
      await removeLeftovers();
    },
  };
}
