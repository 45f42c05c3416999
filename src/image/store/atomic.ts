// Whole-file replacement that a reader never sees half-done: temp file + rename.

import { renameSync, writeFileSync } from 'node:fs';

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
