// Loads what scripts/setup builds into build/: the host addon (the system
// calls Node lacks, native/host) and the executor's path. Here, below both
// the runtime and the image layer, since both call the addon.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../oci/errors.ts';

const HERE = import.meta.dirname;

/** build/<name>: from src/native it is ../../build; the CLI bundles live in build/ beside it. */
export function buildFile(name: string, env: string): string {
  const candidates = [join(HERE, '..', '..', 'build', name), join(HERE, name)];
  const path = process.env[env] ?? candidates.find((p) => existsSync(p)) ?? candidates[0];
  if (!existsSync(path)) throw new RuntimeError('ENONATIVE', `${name} not found at ${path}: run scripts/setup`);
  return path;
}

/** Each throws an Error whose code is the errno's name (ENOENT...) and that names its argument. */
export interface HostCalls {
  /** posix_spawn: fds[i] becomes the child's fd i (-1: /dev/null). Returns the pid. */
  spawn(path: string, argv: string[], fds: number[], cwd: string): number;
  /** A close-on-exec unix stream socket pair. */
  socketpair(): [number, number];
  /** A memfd holding a sealed copy of the file at path (close-on-exec). */
  sealedCopy(path: string): number;
  /** Whether fd is a terminal (Node's own needs node:tty and node:net loaded). */
  isatty(fd: number): boolean;
  /** A blocking, close-on-exec stream socket connected to the unix socket at path. */
  connectUnix(path: string): number;
  /** One message on a unix socket carrying fds (SCM_RIGHTS); its payload is their count, or payload. */
  sendFds(sock: number, fds: number[], payload?: Buffer): void;
  /** null while the child runs; then its exit code, or 128 + the signal that killed it. */
  reap(pid: number): number | null;
  /** mknodat(2); mode carries the type (S_IFCHR, S_IFBLK, S_IFIFO); dirfd AT_FDCWD is -100. */
  mknodat(dirfd: number, name: string, mode: number, major: number, minor: number): void;
  /** fsetxattr(2) on an open fd, or setxattr(2) on a path (for /proc/self/fd/N of an O_PATH fd). */
  setxattr(target: number | string, name: string, value: Buffer): void;
  /** lgetxattr(2): the value, or null if the file has none of that name (or its filesystem no xattrs). */
  getxattr(path: string, name: string): Buffer | null;
  /** llistxattr(2): the attribute names this process may see ([] where the filesystem has no xattrs). */
  listxattr(path: string): string[];
  /** mount(2); relative paths in data resolve against cwd ("" for the process's own). */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd: string): void;
  umount2(target: string, flags: number): void;
  /** flock(2); with LOCK_NB a held lock throws EAGAIN. */
  flock(fd: number, op: number): void;
  /** bpf(BPF_PROG_LOAD): a program of the type from its instructions (struct bpf_insn[]); its fd. */
  bpfProgLoad(type: number, insns: Buffer, license: string): number;
  /** bpf(BPF_PROG_ATTACH) of a loaded program to a target (a cgroup directory's fd). */
  bpfProgAttach(progFd: number, targetFd: number, attachType: number, flags: number): void;
  /** bpf(BPF_PROG_DETACH) of one program attached to the target with BPF_F_ALLOW_MULTI. */
  bpfProgDetach(progFd: number, targetFd: number, attachType: number): void;
  /** bpf(BPF_PROG_QUERY): ids of the programs of that type attached to the target itself. */
  bpfProgQuery(targetFd: number, attachType: number): number[];
  /** bpf(BPF_PROG_GET_FD_BY_ID): a close-on-exec fd of a loaded program (needs CAP_SYS_ADMIN). */
  bpfProgGetFdById(id: number): number;
  /** The id of the loaded program of fd (BPF_OBJ_GET_INFO_BY_FD). */
  bpfProgId(progFd: number): number;
  /** A pidfd: a handle on the process that has pid now (close-on-exec). Throws ENOSYS before Linux 5.3. */
  pidfdOpen(pid: number): number;
  /** Signals the process of a pidfd; throws ESRCH once it is gone. */
  pidfdSendSignal(fd: number, sig: number): void;
  /** A blocking, close-on-exec eventfd: a counter, read and written as 8 bytes. */
  eventfd(): number;
  /** Each file's text (latin1) in dir, null where it (or dir) does not exist: many small files in one call. */
  readFiles(dir: string, names: string[]): (string | null)[];
  /** pidfd_getfd: a copy of fd of the pidfd's process (close-on-exec). */
  pidfdGetfd(pidfd: number, fd: number): number;
}

let host: HostCalls | undefined;

export function hostCalls(): HostCalls {
  if (!host) {
    const mod = { exports: {} as HostCalls };
    process.dlopen(mod, buildFile('runts-host.node', 'RUNTS_HOST_ADDON'));
    host = mod.exports;
  }
  return host;
}
