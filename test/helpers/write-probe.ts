// Whether a container may open the host's kernel settings and its masked
// paths for writing, asked from inside it. Each file is opened with
// O_APPEND|O_CREAT (`exec 3>>`) and closed, so even a regression writes
// nothing; a directory is tried by creating a file in it. Shared by
// test/e2e/cve.test.ts and the v2 guest, whose Debian kernel has the
// sysrq-trigger and kcore this host's lacks.

import assert from 'node:assert/strict';

/** The host's settings a container must never write: procfs files, not the container's own. */
export const KERNEL_SETTINGS = ['/proc/sysrq-trigger', '/proc/sys/kernel/core_pattern', '/proc/sys/kernel/hostname', '/proc/sys/vm/overcommit_memory'];

/** Prints "<path> <error>" or "<path> OPENED <type-major:minor> <bytes>" for each path that exists. */
export function writeProbeScript(paths: readonly string[]): string {
  return `for f in ${paths.join(' ')}; do
    test -e "$f" || continue
    t="$f"; test -d "$f" && t="$f/probe"
    if err=$( (exec 3>>"$t") 2>&1 ); then echo "$f OPENED $(stat -c %F-%t:%T "$f") $(wc -c < "$f")"; else echo "$f \${err##*: }"; fi
  done`;
}

/** Every path in `tried` was tried; each was refused (EROFS, EACCES) or, if masked, is the null
 * device, as runc masks a file: it opens onto nothing and reads empty. */
export function assertNotWritable(out: string, tried: readonly string[], masked: readonly string[]): void {
  const lines = out.trim().split('\n');
  for (const path of tried) assert.ok(lines.some((l) => l.startsWith(`${path} `)), `${path} was tried: ${out}`);
  for (const l of lines) {
    const [path] = l.split(' ');
    if (masked.includes(path) && !l.endsWith('Read-only file system')) assert.equal(l, `${path} OPENED character special file-1:3 0`);
    else assert.match(l, / (Read-only file system|Permission denied)$/, l);
  }
}
