// Leases keep what a running operation has written so far (blobs, snapshots)
// safe from garbage collection until it records an image. A lease lives as
// long as the process that holds it: a killed pull's lease expires with it.
// Its file is written with the first thing it holds: one that holds nothing
// (a run of an image whose layers are all unpacked) protects nothing, and
// costs no file.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from './lock.ts';
import { writeAtomic } from './atomic.ts';

interface LeaseFile {
  pid: number;
  created: string;
  digests: string[];
  snapshots: string[];
}

export class Lease {
  private readonly file: string;
  private readonly data: LeaseFile;
  private saved = false;

  constructor(file: string) {
    this.file = file;
    this.data = { pid: process.pid, created: new Date().toISOString(), digests: [], snapshots: [] };
  }

  private save(): void {
    writeAtomic(this.file, JSON.stringify(this.data));
    this.saved = true;
  }

  addDigest(...digests: string[]): void {
    this.data.digests.push(...digests);
    this.save();
  }

  addSnapshot(...keys: string[]): void {
    this.data.snapshots.push(...keys);
    this.save();
  }

  release(): void {
    if (this.saved) rmSync(this.file, { force: true });
  }
}

export class LeaseStore {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'leases');
    mkdirSync(this.dir, { recursive: true });
  }

  create(): Lease {
    return new Lease(join(this.dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`));
  }

  /** What live leases hold; leases of dead processes are removed on the way. */
  held(): { digests: Set<string>; snapshots: Set<string> } {
    const digests = new Set<string>();
    const snapshots = new Set<string>();
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      let lease: LeaseFile;
      try {
        lease = JSON.parse(readFileSync(path, 'utf8')) as LeaseFile;
      } catch {
        continue; // being written: its owner is alive
      }
      if (!pidAlive(lease.pid)) {
        rmSync(path, { force: true });
        continue;
      }
      lease.digests.forEach((d) => digests.add(d));
      lease.snapshots.forEach((s) => snapshots.add(s));
    }
    return { digests, snapshots };
  }
}
