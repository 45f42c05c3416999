// What every engine operation works with: the store's paths, the metadata
// database, the image service and the runtime library, made once per Berth.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImageService, type ServiceOptions } from '../image/service.ts';
import { Runtime } from '../runtime/runtime.ts';
import { setFilterStore } from '../runtime/seccomp/filter-store.ts';
import { diskFilterStore } from '../runtime/seccomp/disk-cache.ts';
import { CGROUP_PARENT } from './spec/build.ts';
import { ContainerStore } from './store/containers.ts';
import { type Db, openDb } from './store/db.ts';
import { EventStore } from './store/events.ts';
import { BinaryRuntime } from './runtimes/binary.ts';
import { InProcessRuntime } from './runtimes/inprocess.ts';
import type { ContainerRuntime } from './runtimes/types.ts';
import type { Spec } from '../oci/spec.ts';

export interface EngineOptions {
  /** Images, container bundles and logs, volumes, the database (default /var/lib/berth). */
  root?: string;
  /** What a reboot should forget: runtime state and monitors (default /run/berth). */
  runRoot?: string;
  images?: ServiceOptions;
  /** The berth CLI as the monitor's exit command runs it (default: this checkout's build/berth). */
  berthCommand?: string[];
  warn?: (msg: string) => void;
}

export class EngineContext {
  readonly root: string;
  readonly runRoot: string;
  readonly db: Db;
  readonly containers: ContainerStore;
  readonly events: EventStore;
  readonly images: ImageService;
  readonly runtime: Runtime;
  readonly warn: (msg: string) => void;
  readonly berthCommand: string[];
  /** Specs this process wrote to a container's config.json, validated: a start in the same
   * process (a run) hands them to the runtime instead of its reading the file again. */
  readonly preparedSpecs = new Map<string, Spec>();

  constructor(opts: EngineOptions, berthCommand: string[]) {
    this.root = opts.root ?? '/var/lib/berth';
    this.runRoot = opts.runRoot ?? '/run/berth';
    this.warn = opts.warn ?? ((msg) => process.emitWarning(msg));
    for (const d of [this.root, join(this.root, 'containers'), join(this.root, 'locks'), this.trashDir(), join(this.runRoot, 'monitors')]) mkdirSync(d, { recursive: true, mode: 0o700 });
    this.db = openDb(join(this.root, 'berth.db'));
    this.containers = new ContainerStore(this.db);
    this.events = new EventStore(this.db);
    this.images = new ImageService(this.root, { warn: this.warn, ...opts.images });
    // Each CLI process would compile the default seccomp profile anew (~20 ms cold).
    setFilterStore(diskFilterStore(join(this.runRoot, 'seccomp')));
    // The /berth cgroups stay between containers, as Docker's /docker: making and removing
    // them in every hierarchy cost each run and rm a few ms.
    this.runtime = new Runtime({ root: join(this.runRoot, 'runtime'), cgroupParent: CGROUP_PARENT, keepCgroupParents: true, warn: this.warn });
    this.berthCommand = [...berthCommand, '--root', this.root, '--run-root', this.runRoot];
  }

  private readonly runtimes = new Map<string, ContainerRuntime>();

  /** The OCI runtime a container runs on: runts in-process unless its config names a binary. */
  runtimeFor(name: string | undefined): ContainerRuntime {
    const key = name ?? 'runts';
    let r = this.runtimes.get(key);
    if (!r) {
      r = key === 'runts' ? new InProcessRuntime(this.runtime) : new BinaryRuntime(key, join(this.runRoot, 'oci'), (id) => this.monitorDir(id));
      this.runtimes.set(key, r);
    }
    return r;
  }

  containerDir(id: string): string {
    return join(this.root, 'containers', id);
  }

  monitorDir(id: string): string {
    return join(this.runRoot, 'monitors', id);
  }

  /** Removed containers' files, until the next sweep (containers/trash.ts). */
  trashDir(): string {
    return join(this.root, 'trash');
  }

  lockPath(id: string): string {
    return join(this.root, 'locks', id);
  }

  close(): void {
    this.db.close();
  }
}
