// The engine under test: a private store (root and run root) per test file,
// the berth CLI run as a user runs it, and test images in a real local
// registry (Debian's docker-registry on 127.0.0.1), built from Debian's
// busybox-static with every applet.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { Berth } from '../../src/engine/berth.ts';
import { buildImage, pushImage } from '../image/helpers/images.ts';
import { busyboxBinary, dir, file, symlink } from '../image/helpers/layers.ts';
import { startRegistry, type TestRegistry } from '../image/helpers/registry.ts';
import type { ImageConfig } from '../../src/oci/image-spec.ts';
import type { WriteEntry } from '../../src/image/tar/writer.ts';
import { runCaptured, type Result, waitFor } from './runts.ts';

export const BERTH = resolve(import.meta.dirname, '..', '..', 'bin', 'berth');

export function busyboxApplets(): string[] {
  return execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
}

/** A busybox rootfs with all its applets in /bin, passwd and group with an unprivileged user. */
export function fullBusybox(): WriteEntry[] {
  return [
    dir('bin'), dir('etc'), dir('tmp', 0o1777), dir('proc'), dir('sys'), dir('dev'), dir('root', 0o700), dir('home'), dir('home/app'),
    file('bin/busybox', busyboxBinary(), 0o755),
    ...busyboxApplets().map((a) => symlink(`bin/${a}`, 'busybox')),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n'),
    file('etc/group', 'root:x:0:\nstaff:x:50:app\napp:x:1001:\nnogroup:x:65534:\n'),
  ];
}

export interface ExtraImage {
  repo: string;
  layers: WriteEntry[][];
  config: ImageConfig['config'];
}

/** The files a Debian package installed (dpkg -L). */
function packageFiles(pkg: string): string[] {
  return execFileSync('dpkg-query', ['-L', pkg], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** The shared libraries a program loads, the dynamic loader included, as ldd resolves them on this host. */
function sharedLibraries(program: string): string[] {
  return execFileSync('ldd', [program], { encoding: 'utf8' }).split('\n').flatMap((l) => {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(l);
    return m ? [m[1]] : [];
  });
}

/**
 * A real server, as the official image lays it out: Debian's redis-server
 * (/usr/bin/redis-server, a link to redis-check-rdb of redis-tools, the one
 * multi-call binary) and redis-cli, with the shared libraries they load at
 * the paths ldd finds them, on the busybox base; VOLUME /data, WORKDIR /data,
 * CMD redis-server. scripts/setup installs the packages.
 */
export function redisImage(): ExtraImage {
  const server = packageFiles('redis-server').find((f) => f === '/usr/bin/redis-server');
  const cli = packageFiles('redis-tools').find((f) => f === '/usr/bin/redis-cli');
  if (!server || !cli) throw new Error('redis-server and redis-tools are not installed: run scripts/setup');
  const entries = new Map<string, WriteEntry>();
  const addDirs = (path: string) => {
    const parts = dirname(path).split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!entries.has(d)) entries.set(d, dir(d));
    }
  };
  const addFile = (path: string) => {
    addDirs(path);
    // Each at the path the loader asks for, as a file: the host's merged /usr and its links are not the image's business.
    entries.set(path.slice(1), file(path.slice(1), readFileSync(realpathSync(path)), statSync(path).mode & 0o7777));
  };
  const binary = realpathSync(server);
  addFile(binary);
  addFile(cli);
  if (lstatSync(server).isSymbolicLink()) {
    addDirs(server);
    entries.set(server.slice(1), symlink(server.slice(1), readlinkSync(server)));
  }
  for (const lib of new Set([...sharedLibraries(binary), ...sharedLibraries(cli)])) addFile(lib);
  return {
    repo: 'test/redis',
    layers: [[...entries.values(), dir('data')]],
    config: { Cmd: ['redis-server'], WorkingDir: '/data', Volumes: { '/data': {} }, ExposedPorts: { '6379/tcp': {} } },
  };
}

export interface EngineImages {
  registry: TestRegistry;
  /** host:port/test/busybox:latest, Cmd ["sh"]. */
  busybox: string;
  stop(): Promise<void>;
}

export async function startImages(extra: ExtraImage[] = []): Promise<EngineImages> {
  const registry = await startRegistry();
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  await pushImage(registry.url, 'test/busybox', 'latest', await buildImage([fullBusybox()], { config: { Cmd: ['sh'], Env: env } }));
  for (const e of extra) await pushImage(registry.url, e.repo, 'latest', await buildImage([fullBusybox(), ...e.layers], { config: { Env: env, ...e.config } }));
  return { registry, busybox: `${registry.host}/test/busybox:latest`, stop: () => registry.stop() };
}

export interface TestEngine {
  root: string;
  runRoot: string;
  /** The CLI, to its end (output to files: a detached container's monitor keeps no pipe of ours open). */
  berth(args: string[], opts?: { timeout?: number }): Result;
  globalArgs: string[];
  cleanup(): void;
}

export function testEngine(registryHost: string): TestEngine {
  const root = mkdtempSync(join(tmpdir(), 'berth-root-'));
  // Short: monitor sockets live under it.
  const runRoot = mkdtempSync('/run/berth-t');
  const globalArgs = ['--root', root, '--run-root', runRoot, '--insecure-registry', registryHost];
  const berth = (args: string[], opts: { timeout?: number } = {}) => runCaptured(BERTH, [...globalArgs, ...args], opts);
  return {
    root, runRoot, berth, globalArgs,
    cleanup: () => {
      const ids = berth(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
      if (ids.length) berth(['rm', '-f', ...ids]);
      awaitStoreIdle(root);
      // Whatever a failed test left mounted under the store goes before the files do.
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m.startsWith(`${root}/`) || m.startsWith(`${runRoot}/`)));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      rmSync(root, { recursive: true, force: true });
      rmSync(runRoot, { recursive: true, force: true });
    },
  };
}

/** A test file's images and engine (and with library, a Berth on the same store): made before its
 * tests, removed after them (set receives them). */
export function engineHooks(set: (f: { images: EngineImages; e: TestEngine; lib: Berth }) => void, extra: ExtraImage[] = [], library = false): void {
  let f: { images: EngineImages; e: TestEngine; lib?: Berth } | undefined;
  before(async () => {
    const images = await startImages(extra);
    const e = testEngine(images.registry.host);
    f = { images, e, ...(library && { lib: new Berth({ root: e.root, runRoot: e.runRoot }) }) };
    set(f as { images: EngineImages; e: TestEngine; lib: Berth });
  });
  after(async () => {
    f?.lib?.close();
    f?.e.cleanup();
    await f?.images.stop();
  });
}

/** A berth command that must succeed: its standard output. */
export function berthOk(e: TestEngine, args: string[]): string {
  const r = e.berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A test file's images and a Berth library on a private store (prefix names its dirs), removed after its tests with what they left. */
export function libraryHooks(prefix: string, set: (f: { images: EngineImages; berth: Berth; root: string; runRoot: string }) => void): void {
  let f: { images: EngineImages; berth: Berth; root: string; runRoot: string } | undefined;
  before(async () => {
    const images = await startImages();
    const root = mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
    const runRoot = mkdtempSync(`/run/berth-${prefix[0]}`);
    f = { images, root, runRoot, berth: new Berth({ root, runRoot, images: { registry: { hosts: { [images.registry.host]: { plainHttp: true } } } } }) };
    set(f);
  });
  after(async () => {
    if (!f) return;
    try {
      for (const c of await f.berth.list({ all: true })) await f.berth.remove(c.id, { force: true, volumes: true });
      for (const v of await f.berth.volumes.list()) await f.berth.volumes.remove(v.name);
      f.berth.close();
      awaitStoreIdle(f.root);
      rmSync(f.root, { recursive: true, force: true });
      rmSync(f.runRoot, { recursive: true, force: true });
    } finally {
      await f.images.stop();
    }
  });
}

/**
 * The engine keeps its cgroup parents (/berth, and /berth-monitors) as Docker
 * keeps /docker; the tests leave the host as they found it. Only the runner's
 * global teardown calls this: a test file removing them while another file's
 * container is between making /berth and /berth/<id> fails that create.
 */
export function removeEngineCgroups(): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]);
  for (const p of points) {
    for (const name of ['berth', 'berth-monitors']) {
      try {
        rmdirSync(join(p, name));
      } catch {
        // absent, or another test's container is in it
      }
    }
  }
}

/**
 * Waits until no berth process works on the store at root: a monitor's exit
 * command (`berth container cleanup`) may still run after the container was
 * removed, and removing the store under it races its database.
 */
export function awaitStoreIdle(root: string): void {
  const busy = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return argv.some((a, i) => a === '--root' && argv[i + 1] === root) && argv.includes('cleanup');
    } catch {
      return false;
    }
  });
  for (let i = 0; i < 500 && busy(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

/** Monitors and runtime state left under the run root (none after a clean rm). */
export function leftovers(e: TestEngine): string[] {
  const out: string[] = [];
  for (const d of ['monitors', 'runtime']) {
    const p = join(e.runRoot, d);
    if (existsSync(p)) out.push(...readdirSync(p).map((n) => `${d}/${n}`));
  }
  const c = join(e.root, 'containers');
  if (existsSync(c)) out.push(...readdirSync(c).map((n) => `containers/${n}`));
  return out;
}

/** cmd on a terminal of its own (script(1)'s pty), typed into as it runs. */
export function onTerminal(cmd: string) {
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child,
    exit,
    output: () => out,
    type: (s: string) => child.stdin.write(s),
    waitFor: (re: RegExp) => waitFor(() => re.test(out), 20_000),
  };
}
