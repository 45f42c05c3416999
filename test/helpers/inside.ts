// Runs a shell script in a fresh busybox container and returns its stdout.

import assert from 'node:assert/strict';
import type { Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from './bundle.ts';
import type { Runts } from './runts.ts';

export function runInside(runts: Runts, script: string, edit?: (s: Spec, b: Bundle) => void, flags: string[] = []): string {
  const b = makeBundle(undefined, ['sh', '-c', script]);
  edit?.(b.spec, b);
  b.write();
  try {
    const r = runts.run(['run', ...flags, '--bundle', b.dir, uniqueId()]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  } finally {
    b.cleanup();
  }
}
