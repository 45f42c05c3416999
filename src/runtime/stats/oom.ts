// OOMs in a container's memory cgroup. The kernel's counters are what is
// reported (v1: memory.oom_control's oom_kill, and under_oom rising when the
// OOM killer is disabled; v2: memory.events' oom and oom_kill, which count
// the cgroups below too), so no OOM is reported twice or lost between two
// wake-ups. What wakes the reader: on v1 an eventfd registered through
// cgroup.event_control (the kernel signals it on each OOM, and when the
// cgroup goes), on v2 an inotify watch of memory.events (fs.watch: kernfs
// notifies changes), and the caller's own polling as a fallback.

import { closeSync, openSync, read, type FSWatcher, watch, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hostCalls } from '../native.ts';
import { parseKeyed } from './parse.ts';
import { hostFiles, type StatsSources } from './read.ts';

export interface OomWatch {
  /** OOMs since the last call (or since the watch began). */
  take(): number;
  close(): void;
}

/** Counts OOMs from one of the two counter files. */
export class OomCounter {
  private last: { kills: bigint; ooms: bigint; under: boolean };
  private readonly read: () => { kills: bigint; ooms: bigint; under: boolean } | undefined;

  constructor(read: () => { kills: bigint; ooms: bigint; under: boolean } | undefined) {
    this.read = read;
    this.last = read() ?? { kills: 0n, ooms: 0n, under: false };
  }

  take(): number {
    const now = this.read();
    if (!now) return 0;
    const before = this.last;
    this.last = now;
    const n = Math.max(Number(now.kills - before.kills), Number(now.ooms - before.ooms));
    // With the OOM killer disabled nothing is killed: the cgroup waits under OOM, which counts once.
    return n > 0 ? n : now.under && !before.under ? 1 : 0;
  }
}

/** memory.oom_control's counters (v1). */
export function oomControlCounts(text: string): { kills: bigint; ooms: bigint; under: boolean } {
  const k = parseKeyed(text);
  return { kills: k.get('oom_kill') ?? 0n, ooms: 0n, under: k.get('under_oom') === 1n };
}

/** memory.events' counters (v2). */
export function memoryEventsCounts(text: string): { kills: bigint; ooms: bigint; under: boolean } {
  const k = parseKeyed(text);
  return { kills: k.get('oom_kill') ?? 0n, ooms: k.get('oom') ?? 0n, under: false };
}

/**
 * Watches the container's memory cgroup; wake runs when the kernel signals
 * something may have changed. Undefined when the container has no memory
 * controller (nothing to count OOMs with).
 */
export function watchOom(src: StatsSources, wake: () => void): OomWatch | undefined {
  if (src.memory) return watchV1(src.memory, wake);
  if (src.unified && hostFiles(src.unified, ['memory.events'])[0] !== undefined) return watchV2(src.unified, wake);
  return undefined;
}

function watchV1(dir: string, wake: () => void): OomWatch {
  const control = join(dir, 'memory.oom_control');
  const counter = new OomCounter(() => {
    const text = hostFiles(dir, ['memory.oom_control'])[0];
    return text === undefined ? undefined : oomControlCounts(text);
  });
  const efd = hostCalls().eventfd();
  let cfd: number | undefined;
  try {
    cfd = openSync(control, 'r');
    writeFileSync(join(dir, 'cgroup.event_control'), `${efd} ${cfd}`);
  } catch (e) {
    closeSync(efd);
    if (cfd !== undefined) closeSync(cfd);
    throw e;
  }
  let closed = false;
  let ended = false;
  const count = Buffer.alloc(8);
  // A blocking read in libuv's pool: it returns on each OOM and when the cgroup is removed.
  const pump = (): void => {
    read(efd, count, 0, 8, null, (err) => {
      // After a read error (none is expected) the caller's polling still counts.
      if (closed || err) {
        ended = true;
        closeSync(efd);
        closeSync(cfd);
        return;
      }
      wake();
      pump();
    });
  };
  pump();
  return {
    take: () => counter.take(),
    close: () => {
      if (closed || ended) return;
      closed = true;
      // Ends the pending read, which closes the fds: it would keep the process alive.
      const one = Buffer.alloc(8);
      one.writeBigUInt64LE(1n);
      writeSync(efd, one);
    },
  };
}

function watchV2(dir: string, wake: () => void): OomWatch {
  const events = join(dir, 'memory.events');
  const counter = new OomCounter(() => {
    const text = hostFiles(dir, ['memory.events'])[0];
    return text === undefined ? undefined : memoryEventsCounts(text);
  });
  let watcher: FSWatcher | undefined = watch(events, { persistent: false }, () => wake());
  // A cgroup removed under the watch ends it with an error; the polling goes on.
  watcher.on('error', () => {
    watcher?.close();
    watcher = undefined;
  });
  return {
    take: () => counter.take(),
    close: () => {
      watcher?.close();
      watcher = undefined;
    },
  };
}
