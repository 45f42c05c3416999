// A throwaway Linux guest for what this host cannot show (a pure cgroup v2
// kernel, AppArmor): Debian's own kernel under qemu in software emulation, an initramfs
// of busybox-static and the few modules it needs, and the host's /usr, /etc and
// this repository shared read-only over 9p, so the guest runs the very Node,
// executor and CLI that were built here. A writable share, private to the run,
// carries the command in and its results and exit status out.

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const NODE = join(REPO, '.toolchain', 'node', 'bin', 'node');
const CACHE = join(REPO, '.toolchain', 'vm');
const QEMU = 'qemu-system-x86_64';
const BUSYBOX = '/bin/busybox';
/** Modules for the 9p shares; their dependencies are read from the modules themselves. */
const ROOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];

export interface Kernel {
  vmlinuz: string;
  /** Module files in load order. */
  modules: string[];
}

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Debian's current kernel package and version, as apt offers them (the metapackage's dependency). */
function kernelPackage(): { name: string; version: string } {
  const query = () => /Depends: (linux-image-\d\S*)/.exec(spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' }).stdout ?? '');
  let dep = query();
  if (!dep) {
    sh('apt-get', ['update', '-qq']);
    dep = query();
  }
  if (!dep) throw new Error('apt offers no linux-image-amd64 (is a Debian amd64 archive in the apt sources?)');
  const version = /Candidate: (\S+)/.exec(sh('apt-cache', ['policy', dep[1]]))?.[1];
  if (!version || version === '(none)') throw new Error(`apt has no candidate for ${dep[1]}`);
  return { name: dep[1], version };
}

function unxz(file: string): Buffer {
  const r = spawnSync('xz', ['-dc', file], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`xz -dc ${file} failed: ${r.error?.message ?? r.stderr.toString().trim()}`);
  return r.stdout;
}

/** The `depends=` entry of a module's .modinfo section. */
function moduleDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  return ko.toString('latin1', start, ko.indexOf(0, start)).split(',').filter(Boolean);
}

/** Unpacks the kernel and the modules the guest loads (dependencies first) into dest. */
function unpackKernel(deb: string, dest: string): void {
  const tree = join(dest, 'tree');
  sh('dpkg-deb', ['-x', deb, tree]);
  const vmlinuz = readdirSync(join(tree, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error(`${basename(deb)} holds no /boot/vmlinuz-*`);
  const modRoot = ['lib/modules', 'usr/lib/modules'].map((d) => join(tree, d)).find(existsSync);
  if (!modRoot) throw new Error(`${basename(deb)} holds no modules`);
  const abiDir = join(modRoot, readdirSync(modRoot)[0]);
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.ko(\.xz)?$/.test(e.name)) files.set(e.name.replace(/\.ko(\.xz)?$/, '').replaceAll('-', '_'), join(dir, e.name));
    }
  };
  walk(abiDir);
  const builtin = new Set(
    readFileSync(join(abiDir, 'modules.builtin'), 'utf8')
      .split('\n')
      .map((l) => basename(l).replace(/\.ko$/, '').replaceAll('-', '_')),
  );
  const order: string[] = [];
  const load = (name: string): void => {
    const key = name.replaceAll('-', '_');
    if (order.includes(key) || builtin.has(key)) return;
    const file = files.get(key);
    if (!file) throw new Error(`kernel module ${key} is neither built in nor in ${basename(deb)}`);
    const ko = file.endsWith('.xz') ? unxz(file) : readFileSync(file);
    for (const d of moduleDepends(ko)) load(d);
    writeFileSync(join(dest, `${key}.ko`), ko);
    order.push(key);
  };
  for (const m of ROOT_MODULES) load(m);
  copyFileSync(join(tree, 'boot', vmlinuz), join(dest, 'vmlinuz'));
  writeFileSync(join(dest, 'modules.order'), order.join('\n') + '\n');
  rmSync(tree, { recursive: true, force: true });
}

/** The kernel, from the cache or fetched with apt-get download (the package is
 * never installed on the host). When apt cannot answer, a cached kernel serves. */
export function prepareKernel(): Kernel {
  let want: string | undefined;
  let failure: unknown;
  try {
    const pkg = kernelPackage();
    want = `${pkg.name}_${pkg.version}`;
    const dir = join(CACHE, want);
    if (!existsSync(join(dir, 'modules.order'))) {
      mkdirSync(CACHE, { recursive: true });
      const work = mkdtempSync(join(CACHE, '.fetch-'));
      try {
        sh('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], work);
        const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
        if (!deb) throw new Error(`apt-get download ${pkg.name} left no .deb`);
        const dest = join(work, 'kernel');
        mkdirSync(dest);
        unpackKernel(join(work, deb), dest);
        rmSync(dir, { recursive: true, force: true });
        renameSync(dest, dir);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      // Older kernels are not needed any more.
      for (const d of readdirSync(CACHE)) if (d !== want) rmSync(join(CACHE, d), { recursive: true, force: true });
    }
  } catch (e) {
    failure = e;
  }
  const cached = existsSync(CACHE) ? readdirSync(CACHE).filter((d) => existsSync(join(CACHE, d, 'modules.order'))) : [];
  const pick = want && cached.includes(want) ? want : cached.sort().at(-1);
  if (!pick) throw new Error(`cannot get Debian's kernel: ${failure instanceof Error ? failure.message : failure}`);
  const dir = join(CACHE, pick);
  const order = readFileSync(join(dir, 'modules.order'), 'utf8').split('\n').filter(Boolean);
  return { vmlinuz: join(dir, 'vmlinuz'), modules: order.map((m) => join(dir, `${m}.ko`)) };
}

/** A cpio "newc" archive, the initramfs format. */
function cpio(entries: { name: string; mode: number; data?: Buffer | string }[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const add = (name: string, mode: number, data: Buffer, ino: number) => {
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    parts.push(Buffer.from(header + name + '\0', 'latin1'));
    parts.push(pad(110 + name.length + 1));
    parts.push(data, pad(data.length));
  };
  entries.forEach((e, i) => add(e.name, e.mode, Buffer.from(e.data ?? ''), i + 1));
  add('TRAILER!!!', 0, Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

interface Share {
  tag: string;
  hostPath: string;
}

/** What the guest sees of the host: /usr (and what merged-/usr links point
 * into it), /etc, this repository and the Node it runs with, all read-only. */
function hostView(): { shares: Share[]; links: [string, string][] } {
  const paths: string[] = ['/usr', '/etc', REPO];
  const links: [string, string][] = [];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) links.push([top, readlinkSync(top)]);
    else paths.push(top);
  }
  const node = dirname(realpathSync(NODE));
  if (!paths.some((p) => node === p || node.startsWith(p + '/'))) paths.push(node);
  return { shares: paths.map((hostPath, i) => ({ tag: `host${i}`, hostPath })), links };
}

const NINEP = 'trans=virtio,version=9p2000.L,msize=512000';

/** The guest's init: load modules, build a root of tmpfs with the host's
 * directories bound read-only, cgroup2 alone at /sys/fs/cgroup (no v1
 * hierarchy anywhere), then run /out/cmd and power off. The shell stays as
 * pid 1 and waits, so orphans (detached containers) are reaped as systemd
 * would. */
function initScript(modules: string[], view: { shares: Share[]; links: [string, string][] }): string {
  const bb = '/bin/busybox';
  return `#!${bb} sh
if [ "$1" != stage2 ]; then
  ${bb} mount -t proc proc /proc
  ${bb} mount -t sysfs sysfs /sys
  ${bb} mount -t devtmpfs devtmpfs /dev
  for m in ${modules.map((m) => basename(m, '.ko')).join(' ')}; do ${bb} insmod /modules/$m.ko || exit 1; done
  r=/newroot
  ${bb} mount -t tmpfs -o mode=755 root $r
  # /tmp and /run first: a clone of the repository under /tmp is shared on top of them.
  ${bb} mkdir -p $r/tmp $r/run
  ${bb} mount -t tmpfs -o mode=1777 tmp $r/tmp
  ${bb} mount -t tmpfs -o mode=755 run $r/run
${view.shares.map((s) => `  ${bb} mkdir -p $r${s.hostPath} && ${bb} mount -t 9p -o ${NINEP},ro,cache=loose ${s.tag} $r${s.hostPath} || exit 1`).join('\n')}
${view.links.map(([p, t]) => `  ${bb} ln -s ${t} $r${p}`).join('\n')}
  ${bb} mkdir -p $r/proc $r/sys $r/dev $r/root $r/var/tmp $r/out $r/.vm
  ${bb} mount -t 9p -o ${NINEP} out $r/out || exit 1
  for d in proc sys dev; do ${bb} mount --move /$d $r/$d; done
  # AppArmor's interface (the kernel is booted with it on): apparmor_parser loads profiles there.
  ${bb} mount -t securityfs securityfs $r/sys/kernel/security || exit 1
  ${bb} mount -t cgroup2 -o nosuid,nodev,noexec,relatime,nsdelegate cgroup2 $r/sys/fs/cgroup || exit 1
  ${bb} mkdir -p $r/dev/pts $r/dev/shm
  ${bb} mount -t devpts -o newinstance,ptmxmode=0666 devpts $r/dev/pts
  ${bb} mount -t tmpfs -o mode=1777 shm $r/dev/shm
  ${bb} cp ${bb} /init $r/.vm/
  exec ${bb} switch_root $r /.vm/busybox sh /.vm/init stage2
fi
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
cd /
/.vm/busybox sh /out/cmd </dev/null &
wait $!
echo $? > /out/exit
/.vm/busybox sync
/.vm/busybox poweroff -f
`;
}

function checkBusyboxStatic(): void {
  const r = spawnSync('ldd', [BUSYBOX], { encoding: 'utf8' });
  if (!existsSync(BUSYBOX) || r.status === 0) throw new Error(`${BUSYBOX} must be the static one (apt-get install busybox-static)`);
}

export interface VmRun {
  /** The command's exit status; undefined when the guest never reported one. */
  exitCode: number | undefined;
  /** Serial console: kernel messages and the command's output. */
  console: string;
  ms: number;
}

export interface VmOptions {
  /** Shell script run as root in the guest (cwd /); /out is the writable share. */
  script: string;
  /** Host directory shared as /out; the caller owns it. */
  outDir: string;
  timeoutMs: number;
  memoryMb?: number;
  cpus?: number;
  /** Console output as it arrives. */
  onOutput?: (chunk: string) => void;
}

const running = new Set<ReturnType<typeof spawn>>();
process.on('exit', () => {
  for (const q of running) q.kill('SIGKILL');
});

/** Kills every guest still running (for after-hooks). */
export function killVms(): void {
  for (const q of running) q.kill('SIGKILL');
}

/** Boots a guest, runs the script and returns once qemu has exited; qemu is
 * killed at the timeout, and on any failure. */
export async function runInVm(opts: VmOptions): Promise<VmRun> {
  if (spawnSync(QEMU, ['--version']).error) throw new Error(`${QEMU} not found (apt-get install qemu-system-x86, or scripts/setup)`);
  checkBusyboxStatic();
  const kernel = prepareKernel();
  const view = hostView();
  const work = mkdtempSync(join(tmpdir(), 'runts-vm-'));
  const started = Date.now();
  try {
    const initrd = join(work, 'initrd.cpio');
    writeFileSync(
      initrd,
      cpio([
        { name: 'bin', mode: 0o40755 },
        { name: 'bin/busybox', mode: 0o100755, data: readFileSync(BUSYBOX) },
        { name: 'init', mode: 0o100755, data: initScript(kernel.modules, view) },
        { name: 'modules', mode: 0o40755 },
        ...kernel.modules.map((m) => ({ name: `modules/${basename(m)}`, mode: 0o100644, data: readFileSync(m) })),
        ...['proc', 'sys', 'dev', 'newroot'].map((d) => ({ name: d, mode: 0o40755 })),
      ]),
    );
    writeFileSync(join(opts.outDir, 'cmd'), opts.script);
    rmSync(join(opts.outDir, 'exit'), { force: true });
    const args = [
      '-accel', 'tcg', '-m', String(opts.memoryMb ?? 1024), '-smp', String(opts.cpus ?? 2),
      '-nodefaults', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
      '-kernel', kernel.vmlinuz, '-initrd', initrd,
      // panic=-1 turns a guest panic into a reboot, which -no-reboot turns into qemu's exit.
      '-append', 'console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off apparmor=1 security=apparmor',
      ...view.shares.flatMap((s) => ['-virtfs', `local,path=${s.hostPath},mount_tag=${s.tag},security_model=none,readonly=on,multidevs=remap`]),
      '-virtfs', `local,path=${opts.outDir},mount_tag=out,security_model=none,multidevs=remap`,
    ];
    const qemu = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(qemu);
    let consoleText = '';
    const take = (d: Buffer) => {
      const s = d.toString();
      consoleText += s;
      opts.onOutput?.(s);
    };
    qemu.stdout.on('data', take);
    qemu.stderr.on('data', take);
    const timer = setTimeout(() => {
      consoleText += `\n[killed after ${opts.timeoutMs} ms]\n`;
      qemu.kill('SIGKILL');
    }, opts.timeoutMs);
    try {
      await new Promise<void>((done, fail) => {
        qemu.on('error', fail);
        qemu.on('close', () => done());
      });
    } finally {
      clearTimeout(timer);
      qemu.kill('SIGKILL');
      running.delete(qemu);
    }
    const exitFile = join(opts.outDir, 'exit');
    const exitCode = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : undefined;
    return { exitCode, console: consoleText, ms: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// scripts/vm/cgroup2-vm: the arguments, a shell command, run in the guest from this repository.
if (import.meta.main) {
  if (process.argv.length < 3) {
    console.error('usage: scripts/vm/cgroup2-vm COMMAND...');
    process.exit(2);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'runts-vm-out-'));
  try {
    const run = await runInVm({
      script: `cd '${REPO}' && ${process.argv.slice(2).join(' ')}\n`,
      outDir,
      timeoutMs: 600_000,
      onOutput: (s) => process.stdout.write(s),
    });
    process.exitCode = run.exitCode ?? 124;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
