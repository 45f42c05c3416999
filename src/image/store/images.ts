// Image names: a map from a full reference (registry/repo:tag, or
// registry/repo@digest) to the descriptor of its manifest or index, in one
// JSON file replaced atomically under a lock.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Descriptor } from '../../oci/image-spec.ts';
import { withLock } from './lock.ts';
import { writeAtomic } from './atomic.ts';

export interface ImageRecord {
  name: string;
  target: Descriptor;
  created: string;
}

export class ImageStore {
  private readonly file: string;
  private readonly lock: string;

  constructor(root: string) {
    this.file = join(root, 'images.json');
    this.lock = join(root, 'images.lock');
  }

  private read(): Record<string, ImageRecord> {
    if (!existsSync(this.file)) return {};
    return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, ImageRecord>;
  }

  list(): ImageRecord[] {
    // By code unit, not localeCompare: its first call loads ICU's collator, ~20 ms of a CLI's run.
    return Object.values(this.read()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): ImageRecord | undefined {
    return this.read()[name];
  }

  async update(fn: (all: Record<string, ImageRecord>) => void): Promise<void> {
    await withLock(this.lock, () => {
      const all = this.read();
      fn(all);
      writeAtomic(this.file, JSON.stringify(all, null, 1));
    });
  }

  async put(name: string, target: Descriptor): Promise<void> {
    await this.update((all) => {
      all[name] = { name, target, created: all[name]?.target.digest === target.digest ? all[name].created : new Date().toISOString() };
    });
  }

  async delete(name: string): Promise<boolean> {
    let found = false;
    await this.update((all) => {
      found = name in all;
      delete all[name];
    });
    return found;
  }
}
