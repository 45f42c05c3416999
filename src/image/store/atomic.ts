// Whole-file replacement that a reader never sees half-done: temp file + rename.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { StorageError } from '../errors.ts';

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new StorageError(`writing ${path}`, e as Error);
  }
}
