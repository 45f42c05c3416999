// Whole-file replacement that a reader never sees half-done: a temp file in
// the same directory, then rename.

import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
