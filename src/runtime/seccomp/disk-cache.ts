// Compiled seccomp filters kept in a directory: a CLI process compiles each
// profile cold (about 20 ms for the engine's default profile, a tenth of a
// `berth run`), so it does that once per profile instead of once per run.
// An entry holds its whole key (the profile, the architecture and the
// identity, size and mtime, of the compiler's own files) and is used only
// when that matches exactly, so a rebuilt or upgraded compiler never reads
// what another one wrote; its file name is a cheap hash of the key. The
// directory must be writable by its owner only: what is in it is loaded
// into containers.

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FilterStore, SeccompFilter } from './compile.ts';

let compilerId: string | undefined;

/** The files next to this module (the seccomp sources, or the one bundle they were built into). */
function compiler(): string {
  if (compilerId === undefined) {
    const dir = import.meta.dirname;
    compilerId = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const st = statSync(join(dir, e.name));
        return `${e.name}:${st.size}:${st.mtimeMs}`;
      })
      .sort()
      .join('\n');
  }
  return compilerId;
}

function isEntry(v: unknown): v is { key: string; program: string; flags: number; listener: boolean } {
  const f = v as Record<string, unknown> | null;
  return typeof f?.key === 'string' && typeof f.program === 'string' && typeof f.flags === 'number' && typeof f.listener === 'boolean';
}

/** 32-bit FNV-1a of s's UTF-16 code units, in hex: a file name, not a proof (the entry's key is;
 * two keys of one name only take turns in the file). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function diskFilterStore(dir: string): FilterStore {
  const path = (full: string) => join(dir, `${fnv1a(full)}.json`);
  return {
    get(key: string): SeccompFilter | undefined {
      const full = `${compiler()}\0${key}`;
      try {
        const v: unknown = JSON.parse(readFileSync(path(full), 'utf8'));
        if (!isEntry(v) || v.key !== full) return undefined;
        const program = Buffer.from(v.program, 'base64');
        // struct sock_filter is 8 bytes.
        if (program.length === 0 || program.length % 8 !== 0) return undefined;
        return { program, flags: v.flags, listener: v.listener };
      } catch {
        return undefined;
      }
    },
    set(key: string, filter: SeccompFilter): void {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const full = `${compiler()}\0${key}`;
        const file = path(full);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ key: full, program: filter.program.toString('base64'), flags: filter.flags, listener: filter.listener }), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache: a store that cannot be written only means compiling again next time.
      }
    },
  };
}
