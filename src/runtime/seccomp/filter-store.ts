// Where compiled filters are kept beyond this process (disk-cache.ts is
// one), set by an engine and read by compileSeccompCached. Apart from the
// compiler, so that setting it loads no syscall tables: a run whose filter
// is in the store never needs them.

import type { SeccompFilter } from './compile.ts';

/** Compiled filters by the key of compileSeccompCached's cache. */
export interface FilterStore {
  get(key: string): SeccompFilter | undefined;
  set(key: string, filter: SeccompFilter): void;
}

let store: FilterStore | undefined;

/** Where compileSeccompCached also looks, and keeps what it compiles: none by default. */
export function setFilterStore(s: FilterStore | undefined): void {
  store = s;
}

export function filterStore(): FilterStore | undefined {
  return store;
}
