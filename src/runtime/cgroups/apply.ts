// Makes the writes resources.ts planned: one write(2) each, in order. With
// rollback (update), each file's value is read first, and a write the kernel
// refuses puts back every value the plan had changed, last first, so a failed
// update leaves the cgroup as it found it.

import { accessSync, closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../oci/errors.ts';
import type { CgroupFacts, ResourceWrite } from './resources.ts';

/** A cgroup file the kernel would not take a value into. */
export class CgroupWriteError extends RuntimeError {
  readonly field: string;
  readonly file: string;
  constructor(w: ResourceWrite, e: NodeJS.ErrnoException) {
    const path = join(w.dir, w.file);
    super(e.code ?? 'EIO', `${w.field}: cannot write "${w.value}" to ${path}: ${e.code ?? e.message}${w.hint && e.code !== 'ENOENT' ? ` (${w.hint})` : ''}`, { cause: e });
    this.field = w.field;
    this.file = path;
  }
}

/** The host's cgroup files, as the planner sees them. */
export const hostFacts: CgroupFacts = {
  exists(dir, file) {
    try {
      accessSync(join(dir, file));
      return true;
    } catch {
      return false;
    }
  },
  read(dir, file) {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      return undefined;
    }
  },
};

function writeFile(path: string, value: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    // An empty value is written as a newline: a write of nothing reaches no handler.
    writeSync(fd, value === '' ? '\n' : value);
  } finally {
    closeSync(fd);
  }
}

/** What puts a file back as it was: its line for the write's key (or the
 * write's clear value when it had none), else its value as the file takes it. */
export function restoreValue(w: ResourceWrite, content: string): string {
  const lines = content.split('\n').filter((l) => l !== '');
  if (w.key !== undefined) return lines.find((l) => l.startsWith(`${w.key} `)) ?? w.clear ?? '';
  if (w.file === 'memory.oom_control') return /^oom_kill_disable (\d)/m.exec(content)?.[1] ?? '0';
  // io.weight and the bfq files start with "default N".
  const first = lines[0] ?? '';
  return first.startsWith('default ') ? first.slice('default '.length) : first;
}

/**
 * Applies the writes in order. A write marked retryLater that gets EINVAL is
 * made again after the others (the kernel judges a period by the quota still
 * in place). Throws CgroupWriteError naming the field and the file; with
 * rollback, after putting back what the plan had changed.
 */
export function applyWrites(writes: ResourceWrite[], opts: { rollback?: boolean } = {}): void {
  const undo: { path: string; value: string }[] = [];
  const later: ResourceWrite[] = [];
  const one = (w: ResourceWrite, retried: boolean) => {
    const path = join(w.dir, w.file);
    let before: string | undefined;
    try {
      if (opts.rollback) before = restoreValue(w, readFileSync(path, 'utf8'));
      writeFile(path, w.value);
    } catch (e) {
      if (!retried && w.retryLater && (e as NodeJS.ErrnoException).code === 'EINVAL') return void later.push(w);
      throw new CgroupWriteError(w, e as NodeJS.ErrnoException);
    }
    if (before !== undefined) undo.push({ path, value: before });
  };
  try {
    for (const w of writes) one(w, false);
    for (const w of later) one(w, true);
  } catch (e) {
    for (const { path, value } of undo.reverse()) {
      try {
        writeFile(path, value);
      } catch {
        // Best effort: the error reported is the one that stopped the update.
      }
    }
    throw e;
  }
}
