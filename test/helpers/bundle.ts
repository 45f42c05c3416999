// Test bundles: a busybox-static rootfs and runc's default config, adjusted
// per test. Each bundle lives in its own temporary directory.

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import type { Spec } from '../../src/oci/spec.ts';

const APPLETS = ['sh', 'cat', 'echo', 'ls', 'id', 'hostname', 'sleep', 'true', 'false', 'mount', 'grep', 'env', 'pwd',
  'readlink', 'stat', 'touch', 'mkdir', 'ps', 'wc', 'head', 'domainname', 'umask', 'test', 'printf', 'tty', 'stty', 'mknod'];

export interface Bundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  write(): void;
  cleanup(): void;
}

// Bundles a failed test did not clean up go when the test file's process does.
const made = new Set<string>();
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function makeBundle(edit?: (spec: Spec) => void, args?: string[]): Bundle {
  const dir = mkdtempSync(join(tmpdir(), 'runts-test-'));
  made.add(dir);
  // Reachable by a container root mapped to another host uid.
  chmodSync(dir, 0o755);
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(rootfs, d));
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  const spec = defaultSpec();
  spec.process!.terminal = false;
  spec.process!.args = args ?? ['true'];
  edit?.(spec);
  const bundle: Bundle = {
    dir,
    rootfs,
    spec,
    write: () => writeFileSync(join(dir, 'config.json'), JSON.stringify(bundle.spec, null, 2)),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      made.delete(dir);
    },
  };
  bundle.write();
  return bundle;
}

let counter = 0;
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}
