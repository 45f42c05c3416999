// Which of a layer's extended attributes reach the disk, and setting them by
// system call on an fd opened inside the unpack target. A name never passes
// through a shell or a text format: setfattr --restore once took a name with
// a newline as the start of another file's record.

import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { hostCalls } from '../native/host.ts';

/** Linux's O_PATH (the same on every architecture Node runs on): an fd naming an inode without opening it. */
const O_PATH = 0o10000000;

/** What overlayfs reads from a layer directory: set only by the unpacker itself (opaque directories). */
export const OVERLAY_PREFIX = 'trusted.overlay.';

export type XattrVerdict = { apply: true } | { apply: false; unsafe: boolean; why: string };

/**
 * A layer may carry user.* attributes and file capabilities; anything else
 * (trusted.*, security.selinux and other LSM labels, system.* ACLs) is
 * skipped: it would act on the host, not in the container. overlayfs's own
 * attributes and a name that could not be one attribute's fail the layer.
 */
export function judgeXattr(name: string): XattrVerdict {
  if (/[\0\n/]/.test(name)) return { apply: false, unsafe: true, why: `xattr name ${JSON.stringify(name)} holds a NUL, a newline or "/"` };
  if (name.startsWith(OVERLAY_PREFIX)) return { apply: false, unsafe: true, why: `xattr "${name}" is overlayfs's own, never a layer's` };
  if (name.startsWith('user.') || name === 'security.capability') return { apply: true };
  return { apply: false, unsafe: false, why: `xattr "${name}" skipped: only user.* and security.capability are taken from a layer` };
}

/** Sets attributes on an open file or directory. */
export function setXattrsOnFd(fd: number, attrs: [string, Buffer][]): void {
  const host = hostCalls();
  for (const [name, value] of attrs) host.setxattr(fd, name, value);
}

/** Sets attributes on whatever is at path, never following its last component
 * (a device or fifo is not opened: that could block or reach a device). */
export function setXattrsAt(path: string, attrs: [string, Buffer][]): void {
  if (attrs.length === 0) return;
  const fd = openSync(path, O_PATH | constants.O_NOFOLLOW);
  try {
    // The magic link would lead on through a symlink.
    if (fstatSync(fd).isSymbolicLink()) throw Object.assign(new Error(`${path}: is a symbolic link`), { code: 'ELOOP', syscall: 'open' });
    const host = hostCalls();
    for (const [name, value] of attrs) host.setxattr(`/proc/self/fd/${fd}`, name, value);
  } finally {
    closeSync(fd);
  }
}
