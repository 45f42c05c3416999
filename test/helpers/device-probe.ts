// What a container may do with device nodes, asked from inside it: the same
// probe runs on this hybrid host (v1 devices controller) and in the pure v2
// guest (eBPF program). The nodes are for harmless devices: /dev/kmsg (1:11)
// opened for writing and an unbound loop device (7:0) opened for reading do
// nothing until written or read, should the rules fail to deny them.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Spec } from '../../src/oci/spec.ts';
import type { Bundle } from './bundle.ts';

/** Nodes an image could carry, 0666, at the rootfs's top (the default /dev is a tmpfs). */
export function addImageNodes(b: Bundle): void {
  for (const [name, type, major, minor] of [['img-kmsg', 'c', '1', '11'], ['img-loop', 'b', '7', '0']]) {
    const r = spawnSync('mknod', ['-m', '666', join(b.rootfs, name), type, major, minor], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mknod ${name}: ${r.stderr}`);
  }
}

/** Keeps CAP_MKNOD, as Docker's default set does. */
export function withMknod(s: Spec): void {
  for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_MKNOD');
}

/** Prints "<name> ok" or "<name> <error>" per attempt. */
const PROBE = `probe() { if err=$( { eval "$2"; } 2>&1 ); then echo "$1 ok"; else echo "$1 \${err##*: }"; fi; }`;

/** Makes nodes (needs CAP_MKNOD), then opens them and the image's. */
export const MAKE_AND_OPEN = `${PROBE}
probe mknod-c 'mknod /dev/t-kmsg c 1 11'
probe mknod-b 'mknod /dev/t-loop b 7 0'
probe write-made-c 'true > /dev/t-kmsg'
probe read-made-b 'true < /dev/t-loop'
probe write-image-c 'true > /img-kmsg'
probe read-image-b 'true < /img-loop'
probe rw-null 'true <> /dev/null'
probe read-zero 'true < /dev/zero'
`;

/** Opens the image's nodes and default devices only (an exec has no CAP_MKNOD). */
export const OPEN = `${PROBE}
probe write-image-c 'true > /img-kmsg'
probe read-image-b 'true < /img-loop'
probe rw-null 'true <> /dev/null'
`;

export const DENIED = 'Operation not permitted';

export function probed(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

/** What the default rules give MAKE_AND_OPEN. */
export const DEFAULT_OUTCOME = {
  'mknod-c': 'ok',
  'mknod-b': 'ok',
  'write-made-c': DENIED,
  'read-made-b': DENIED,
  'write-image-c': DENIED,
  'read-image-b': DENIED,
  'rw-null': 'ok',
  'read-zero': 'ok',
};

/** A config rule that lets /dev/kmsg be written: only that changes. */
export const KMSG_WRITE_RULE = { allow: true, type: 'c' as const, major: 1, minor: 11, access: 'w' };
export const KMSG_WRITE_OUTCOME = { ...DEFAULT_OUTCOME, 'write-made-c': 'ok', 'write-image-c': 'ok' };
