// Compiled seccomp filters kept in a directory: a CLI process compiles each
// profile cold (about 20 ms for the engine's default profile, a tenth of a
// `berth run`), so it does that once per profile instead of once per run.
// An entry is named by a digest of the profile, the architecture and the
// identity (size, mtime) of the compiler's own files, so a rebuilt or
// upgraded compiler never reads what another one wrote. The directory must
// be writable by its owner only: what is in it is loaded into containers.

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FilterStore, SeccompFilter } from './compile.ts';

let compilerId: string | undefined;

/** The files next to this module (the seccomp sources, or the one bundle they were built into). */
function compiler(): string {
  if (compilerId === undefined) {
    const dir = dirname(fileURLToPath(import.meta.url));
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

function isFilter(v: unknown): v is { program: string; flags: number; listener: boolean } {
  const f = v as Record<string, unknown> | null;
  return typeof f?.program === 'string' && typeof f.flags === 'number' && typeof f.listener === 'boolean';
}

export function diskFilterStore(dir: string): FilterStore {
  const path = (key: string) => {
    // Loaded here, not at the top: the runts CLI, which never keeps filters, need not load node:crypto.
    const { createHash } = process.getBuiltinModule('node:crypto');
    return join(dir, `${createHash('sha256').update(compiler()).update('\0').update(key).digest('hex')}.json`);
  };
  return {
    get(key: string): SeccompFilter | undefined {
      try {
        const v: unknown = JSON.parse(readFileSync(path(key), 'utf8'));
        if (!isFilter(v)) return undefined;
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
        const file = path(key);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ program: filter.program.toString('base64'), flags: filter.flags, listener: filter.listener }), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache: a store that cannot be written only means compiling again next time.
      }
    },
  };
}
