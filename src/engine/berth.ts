// The engine as a library: `import { Berth } from 'berth'`. Daemonless: every
// call works on the store directly (the database, the image store, the
// runtime library in-process); a running container is watched by its own
// native monitor, not by this process, which may exit at any time. The
// berth CLI is a thin layer over this class.

import { buildFile } from '../native/host.ts';
import { withLock } from '../image/store/lock.ts';
import type { ContainerConfig } from './config.ts';
import { EngineContext, type EngineOptions } from './context.ts';
import { createContainer, type CreateOptions } from './containers/create.ts';
import { type CleanupOptions, cleanup } from './containers/exit.ts';
import { inspectContainer, readSpec } from './containers/inspect.ts';
import { reconcile } from './containers/reconcile.ts';
import { removeContainer } from './containers/remove.ts';
import { type StartHooks, startLocked, type Warmed, warmStart } from './containers/start.ts';
import { checkSignal, killContainer, stopContainer, stopSignalOf, waitContainer } from './containers/stop.ts';
import type { ContainerRow, HealthState } from './store/containers.ts';
import { type AttachSession, attachContainer } from './containers/attach.ts';
import type { Change, CommitOptions } from './containers/changes.ts';
import type { CopyOptions } from './containers/cp.ts';
import type { ExecOptions, ExecProcess } from './containers/exec.ts';
import type { LogEntry, LogOptions } from './containers/logs.ts';
import { pauseContainer, unpauseContainer } from './containers/pause.ts';
import type { PortBinding } from './containers/ports.ts';
import type { ContainerStats, StatsOptions } from './containers/stats.ts';
import type { TopResult } from './containers/top.ts';
import type { EventQuery } from './events.ts';
import type { EngineEvent } from './store/events.ts';
import type { NewImage } from '../image/build.ts';
import type { Readable, Writable } from 'node:stream';
import type { DiskUsage, SystemPruneResult } from './system.ts';
import { Volumes } from './volumes/api.ts';

// What a run does not use is loaded on its first call: a CLI process runs one
// command, and each module it loads adds to every command's start.
const ops = {
  changes: () => import('./containers/changes.ts'),
  cp: () => import('./containers/cp.ts'),
  cpTar: () => import('./containers/cp-tar.ts'),
  events: () => import('./events.ts'),
  exec: () => import('./containers/exec.ts'),
  health: () => import('./health/probe.ts'),
  images: () => import('./images.ts'),
  logs: () => import('./containers/logs.ts'),
  ports: () => import('./containers/ports.ts'),
  rename: () => import('./containers/rename.ts'),
  stats: () => import('./containers/stats.ts'),
  system: () => import('./system.ts'),
  top: () => import('./containers/top.ts'),
};

export type { ContainerConfig } from './config.ts';
export type { ContainerRow, ContainerState, HealthState } from './store/containers.ts';
export type { EngineEvent } from './store/events.ts';
export type { DiskUsage, SystemPruneResult } from './system.ts';
export type { VolumeInfo } from './volumes/api.ts';
export type { VolumeCreateOptions } from './volumes/service.ts';
export { ConflictError, EngineError, InvalidArgumentError, NotFoundError } from './errors.ts';
export { ExecFailedError } from './errors.ts';
export type { AttachSession, Change, CommitOptions, ContainerStats, CopyOptions, EventQuery, ExecOptions, ExecProcess, LogEntry, LogOptions, PortBinding, StatsOptions, TopResult };

export type BerthOptions = EngineOptions;

export class Berth {
  readonly ctx: EngineContext;
  /** Volumes (Docker's local driver): create, list, get, inspect, remove, prune. */
  readonly volumes: Volumes;
  private reconciled?: Promise<void>;

  constructor(opts: BerthOptions = {}) {
    this.ctx = new EngineContext(opts, opts.berthCommand ?? [buildFile('berth', 'BERTH_CLI')]);
    this.volumes = new Volumes(this.ctx, () => this.ready());
  }

  /** Brings the database in line with what is running; every call below does it once first. */
  ready(): Promise<void> {
    return (this.reconciled ??= reconcile(this.ctx));
  }

  close(): void {
    this.ctx.close();
  }

  /** A container by ID, unique ID prefix or name. */
  async get(ref: string): Promise<ContainerRow> {
    await this.ready();
    return this.ctx.containers.find(ref);
  }

  async list(opts: { all?: boolean } = {}): Promise<ContainerRow[]> {
    await this.ready();
    const rows = this.ctx.containers.list().filter((r) => r.state !== 'creating');
    return opts.all ? rows : rows.filter((r) => r.state === 'running' || r.state === 'paused' || r.state === 'restarting');
  }

  async create(config: ContainerConfig, opts: CreateOptions = {}): Promise<string> {
    await this.ready();
    return createContainer(this.ctx, config, opts);
  }

  async start(ref: string, hooks: StartHooks = {}): Promise<void> {
    const warmed = warmStart(this.ctx);
    try {
      await this.startWarmed(ref, hooks, warmed);
    } finally {
      warmed.stop();
    }
  }

  private async startWarmed(ref: string, hooks: StartHooks, warmed: Warmed): Promise<void> {
    const row = await this.get(ref);
    await withLock(this.ctx.lockPath(row.id), async () => {
      const now = this.ctx.containers.get(row.id);
      if (!now) throw new Error(`container ${row.name} was removed meanwhile`);
      await startLocked(this.ctx, { ...now, stoppedByUser: false }, hooks, warmed);
    });
  }

  /** create and start; the container's ID. */
  async run(config: ContainerConfig, opts: CreateOptions & StartHooks = {}): Promise<string> {
    // From the start of the create: the first cgroup move's wait passes while the container is prepared.
    const warmed = warmStart(this.ctx);
    try {
      const id = await this.create(config, opts);
      try {
        await this.startWarmed(id, opts, warmed);
      } catch (e) {
        await removeContainer(this.ctx, id, true, true);
        throw e;
      }
      return id;
    } finally {
      warmed.stop();
    }
  }

  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const row = await this.get(ref);
    const spec = readSpec(this.ctx, row.id);
    const signal = opts.signal ?? stopSignalOf(row, spec?.annotations?.['org.opencontainers.image.stopSignal']);
    await stopContainer(this.ctx, row, opts.timeout ?? row.config.stopTimeout ?? 10, signal);
  }

  async kill(ref: string, signal: string | number = 'SIGKILL'): Promise<void> {
    await killContainer(this.ctx, await this.get(ref), signal);
  }

  /** Sends a signal to the container's init alone, as a foreground CLI passes on what it is sent; no stop is recorded. */
  signal(id: string, signal: string | number): void {
    const row = this.ctx.containers.get(id);
    if (row) this.ctx.runtimeFor(row.config.runtime).kill(id, checkSignal(signal), false);
  }

  async restart(ref: string, opts: { timeout?: number } = {}): Promise<void> {
    await this.stop(ref, opts);
    await this.start(ref);
  }

  /** With volumes, the container's anonymous volumes go too (rm -v). */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const row = await this.get(ref);
    await removeContainer(this.ctx, row.id, opts.force ?? false, opts.volumes ?? false);
  }

  /** Every container not running; their IDs and the bytes of their writable layers. */
  async pruneContainers(): Promise<{ removed: string[]; bytes: number }> {
    await this.ready();
    return (await ops.system()).pruneContainers(this.ctx);
  }

  /** Removes image names as `rmi`: refused (ConflictError) for an image a container uses, unless forced; always while one runs on it. */
  async removeImages(names: string[], opts: { force?: boolean } = {}): Promise<string[]> {
    await this.ready();
    return (await (await ops.images()).removeImages(this.ctx, names, opts.force ?? false)).removed;
  }

  /** `system df`: images, containers' writable layers, local volumes, with sizes. */
  async diskUsage(): Promise<DiskUsage> {
    await this.ready();
    return (await ops.system()).diskUsage(this.ctx);
  }

  /** `system prune`: stopped containers, dangling (with all: unused) images, with volumes unused anonymous volumes. */
  async prune(opts: { all?: boolean; volumes?: boolean } = {}): Promise<SystemPruneResult> {
    await this.ready();
    return (await ops.system()).pruneSystem(this.ctx, opts);
  }

  /** The exit code, once the container is not running. */
  async wait(ref: string): Promise<number> {
    return waitContainer(this.ctx, (await this.get(ref)).id);
  }

  async inspect(ref: string): Promise<Record<string, unknown>> {
    return inspectContainer(this.ctx, await this.get(ref));
  }

  /**
   * The container's log (CRI format on disk), selected as `docker logs`
   * selects it; with follow, new lines as they come until it stops.
   *
   *     for await (const l of berth.logs('web', { follow: true, tail: 10 })) process.stdout.write(l.output);
   */
  async *logs(ref: string, opts: LogOptions = {}): AsyncGenerator<LogEntry> {
    const { containerLogs } = await ops.logs();
    yield* containerLogs(this.ctx, (await this.get(ref)).id, opts);
  }

  /**
   * Another process in a running container. Its stdio are Node streams
   * unless `stdio` gives fds; `exit` is its status. A command that cannot be
   * started rejects with ExecFailedError (exitCode 127 not found, 126 otherwise).
   *
   *     const p = await berth.exec('web', { cmd: ['cat', '/etc/hostname'] });
   *     p.stdout!.pipe(process.stdout);
   *     const code = await p.exit;
   */
  async exec(ref: string, opts: ExecOptions): Promise<ExecProcess> {
    const { execInContainer } = await ops.exec();
    return execInContainer(this.ctx, await this.get(ref), opts);
  }

  /** The running container's stdio as streams, through its monitor, from now on. */
  async attach(ref: string): Promise<AttachSession> {
    return attachContainer(this.ctx, await this.get(ref));
  }

  async pause(ref: string): Promise<void> {
    await pauseContainer(this.ctx, (await this.get(ref)).id);
  }

  async unpause(ref: string): Promise<void> {
    await unpauseContainer(this.ctx, (await this.get(ref)).id);
  }

  /** The container's processes as ps(1) shows them (psArgs, default -ef). */
  async top(ref: string, psArgs: string[] = []): Promise<TopResult> {
    const { topContainer } = await ops.top();
    return topContainer(this.ctx, await this.get(ref), psArgs);
  }

  /**
   * Docker's figures (CPU %, memory, pids, block I/O) for the containers
   * named (default: those running; with all, every one), a round at a time:
   * one round, or one a second while `stream`.
   */
  async *stats(refs?: string[], opts: StatsOptions & { all?: boolean } = {}): AsyncGenerator<ContainerStats[]> {
    await this.ready();
    const ids = refs?.map((r) => this.ctx.containers.find(r).id);
    const rows = ids
      ? () => ids.flatMap((id) => this.ctx.containers.get(id) ?? [])
      : () => this.ctx.containers.list().filter((r) => r.state !== 'creating' && (opts.all || r.state === 'running' || r.state === 'paused'));
    yield* (await ops.stats()).statsRounds(this.ctx, rows, opts);
  }

  /** cp CONTAINER:SRC DEST, resolving SRC inside the container's root. */
  async copyFrom(ref: string, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
    const { copyFromContainer } = await ops.cp();
    await copyFromContainer(this.ctx, await this.get(ref), src, dest, opts);
  }

  /** cp SRC CONTAINER:DEST, resolving DEST inside the container's root. */
  async copyTo(src: string, ref: string, dest: string, opts: CopyOptions = {}): Promise<void> {
    const { copyToContainer } = await ops.cp();
    await copyToContainer(this.ctx, await this.get(ref), src, dest, opts);
  }

  /** SRC in the container as a tar on out (Docker's `cp CONTAINER:SRC -`); out is not ended. */
  async copyFromAsTar(ref: string, src: string, out: Writable, opts: Pick<CopyOptions, 'followLink'> = {}): Promise<void> {
    const { copyFromContainerAsTar } = await ops.cpTar();
    await copyFromContainerAsTar(this.ctx, await this.get(ref), src, out, opts);
  }

  /** A tar from input extracted into the directory dest in the container (Docker's `cp - CONTAINER:DEST`). */
  async copyTarTo(input: Readable, ref: string, dest: string): Promise<void> {
    const { copyTarToContainer } = await ops.cpTar();
    await copyTarToContainer(this.ctx, await this.get(ref), input, dest);
  }

  /** Published ports (none until networking); a private port asked for that is not published is NotFound. */
  async port(ref: string, privatePort?: string): Promise<PortBinding[]> {
    const { containerPorts } = await ops.ports();
    return containerPorts(await this.get(ref), privatePort);
  }

  async rename(ref: string, newName: string): Promise<void> {
    const { renameContainer } = await ops.rename();
    renameContainer(this.ctx, await this.get(ref), newName);
  }

  /** What the container changed in its filesystem, as `docker diff` lists it (A added, C changed, D deleted). */
  async diff(ref: string): Promise<Change[]> {
    const { containerChanges } = await ops.changes();
    return containerChanges(this.ctx, await this.get(ref));
  }

  /** The container's filesystem as a tar, written to out (which is ended). */
  async export(ref: string, out: Writable): Promise<void> {
    const { exportContainer } = await ops.changes();
    await exportContainer(this.ctx, await this.get(ref), out);
  }

  /**
   * The container's changes as a new image over its own (paused meanwhile unless pause is false):
   * its ID, manifest and name.
   *
   *     const img = await berth.commit('web', { ref: 'localhost:5000/web:patched', message: 'hotfix' });
   */
  async commit(ref: string, opts: CommitOptions = {}): Promise<NewImage> {
    const { commitContainer } = await ops.changes();
    return commitContainer(this.ctx, await this.get(ref), opts);
  }

  /**
   * The event log: from `since` (default: from now), following new events
   * until `until` or until the consumer stops (break, or `signal`).
   *
   *     for await (const e of berth.events({ filters: { event: ['die'] } })) console.log(e.actor, e.attributes.exitCode);
   */
  async *events(q: EventQuery = {}): AsyncGenerator<EngineEvent> {
    await this.ready();
    yield* (await ops.events()).queryEvents(this.ctx, q);
  }

  /** Runs the container's health check once and records the result (what the monitor's timer runs); the health after it. */
  async healthcheck(ref: string): Promise<HealthState> {
    const { runHealthcheck } = await ops.health();
    return runHealthcheck(this.ctx, await this.get(ref));
  }

  /** What the monitor's exit command runs: record the exit, restart or remove as the policy says.
   * With deferRemoval, --rm leaves the container's files for the exit command to delete. */
  async cleanup(id: string, opts: CleanupOptions = {}): Promise<void> {
    await cleanup(this.ctx, id, opts);
  }
}
