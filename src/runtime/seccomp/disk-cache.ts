// Compiled seccomp filters kept in a directory: a CLI process compiles each
// profile cold (about 20 ms for the engine's default profile, a tenth of a
// `berth run`), so it does that once per profile instead of once per run.
// An entry holds its whole key (the profile, the architecture and the
// identity, size and mtime, of the compiler's own files) and is used only
// when that matches exactly, so a rebuilt or upgraded compiler never reads
// what another one wrote; its file name is a cheap hash of the key. An entry
// is a header line ("<key bytes> <flags> <listener 0|1>"), the key, then the
// program's bytes: reading one back compares the key as bytes, where a JSON
// entry had cost a parse of the whole profile (~2 ms under Bun). The
// directory must be writable by its owner only: what is in it is loaded
// into containers.

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeccompFilter } from './compile.ts';
import type { FilterStore } from './filter-store.ts';

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

/** The filter of an entry whose key is full, or undefined. */
function readEntry(buf: Buffer, full: Buffer): SeccompFilter | undefined {
  const nl = buf.indexOf(10);
  const m = nl > 0 ? /^(\d+) (\d+) ([01])$/.exec(buf.subarray(0, nl).toString('latin1')) : null;
  if (!m || Number(m[1]) !== full.length) return undefined;
  const keyEnd = nl + 1 + full.length;
  if (!buf.subarray(nl + 1, keyEnd).equals(full)) return undefined;
  // struct sock_filter is 8 bytes.
  const program = Buffer.from(buf.subarray(keyEnd));
  if (program.length === 0 || program.length % 8 !== 0) return undefined;
  return { program, flags: Number(m[2]), listener: m[3] === '1' };
}

/** 32-bit FNV-1a of s's UTF-16 code units, in hex: a file name, not a proof (the entry's key is;
 * two keys of one name only take turns in the file). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function diskFilterStore(dir: string): FilterStore {
  const path = (full: string) => join(dir, `${fnv1a(full)}.bpf`);
  return {
    get(key: string): SeccompFilter | undefined {
      const full = `${compiler()}\0${key}`;
      try {
        return readEntry(readFileSync(path(full)), Buffer.from(full));
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
        const bytes = Buffer.from(full);
        writeFileSync(tmp, Buffer.concat([Buffer.from(`${bytes.length} ${filter.flags} ${filter.listener ? 1 : 0}\n`), bytes, filter.program]), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache: a store that cannot be written only means compiling again next time.
      }
    },
  };
}
