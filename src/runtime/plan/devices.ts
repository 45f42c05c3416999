// /dev contents: the spec's default devices and links, and config devices.
// Inside a user namespace mknod is refused, so devices are bound from the host.

import { MS } from '../../oci/linux.ts';
import type { Device } from '../../oci/spec.ts';
import { Op, step, type Step } from './ops.ts';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

export const DEFAULT_DEVICES: Device[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEFAULT_LINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
  ['pts/ptmx', '/dev/ptmx'],
];

function typeBits(type: Device['type']): number {
  return type === 'b' ? S_IFBLK : type === 'p' ? S_IFIFO : S_IFCHR;
}

export function deviceSteps(rootfs: string, dev: Device, inUserNs: boolean): Step[] {
  if (inUserNs) {
    return [
      step(Op.MKFILE_IN_ROOT, rootfs, dev.path, 0o644),
      step(Op.MOUNT, dev.path, dev.path, '', MS.BIND, '', rootfs),
    ];
  }
  const mode = typeBits(dev.type) | (dev.fileMode ?? 0o666);
  return [step(Op.MKNOD_IN_ROOT, rootfs, dev.path, mode, dev.major ?? 0, dev.minor ?? 0, dev.uid ?? 0, dev.gid ?? 0)];
}

/** Steps for a container that has its own /dev (a mount at /dev). */
export function defaultDevSteps(rootfs: string, configured: Device[], inUserNs: boolean): Step[] {
  const taken = new Set(configured.map((d) => d.path));
  const steps = DEFAULT_DEVICES.filter((d) => !taken.has(d.path)).flatMap((d) => deviceSteps(rootfs, d, inUserNs));
  for (const [target, link] of DEFAULT_LINKS) steps.push(step(Op.SYMLINK_IN_ROOT, rootfs, target, link));
  return steps;
}
