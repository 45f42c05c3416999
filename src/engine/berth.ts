// The engine as a library: `import { Berth } from 'berth'`. Daemonless: every
// call works on the store directly (the database, the image store, the
// runtime library in-process); a running container is watched by its own
// native monitor, not by this process, which may exit at any time. The
// berth CLI is a thin layer over this class.

import { buildFile } from '../native/host.ts';
import { withLock } from '../image/store/lock.ts';
import { logFileNames, logLines, type LogLine, type LogQuery, selectLines } from '../runtime/cri-log.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig } from './config.ts';
import { EngineContext, type EngineOptions } from './context.ts';
import { createContainer, type CreateOptions } from './containers/create.ts';
import { cleanup } from './containers/exit.ts';
import { inspectContainer, readSpec } from './containers/inspect.ts';
import { reconcile } from './containers/reconcile.ts';
import { removeContainer } from './containers/remove.ts';
import { LOG_FILE, type StartHooks, startLocked } from './containers/start.ts';
import { checkSignal, killContainer, stopContainer, stopSignalOf, waitContainer } from './containers/stop.ts';
import type { ContainerRow } from './store/containers.ts';

export type { ContainerConfig } from './config.ts';
export type { ContainerRow, ContainerState } from './store/containers.ts';
export type { EngineEvent } from './store/events.ts';
export { ConflictError, EngineError, InvalidArgumentError, NotFoundError } from './errors.ts';

export type BerthOptions = EngineOptions;

export class Berth {
  readonly ctx: EngineContext;
  private reconciled?: Promise<void>;

  constructor(opts: BerthOptions = {}) {
    this.ctx = new EngineContext(opts, opts.berthCommand ?? [buildFile('berth', 'BERTH_CLI')]);
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
    const row = await this.get(ref);
    await withLock(this.ctx.lockPath(row.id), async () => {
      const now = this.ctx.containers.get(row.id);
      if (!now) throw new Error(`container ${row.name} was removed meanwhile`);
      await startLocked(this.ctx, { ...now, stoppedByUser: false }, hooks);
    });
  }

  /** create and start; the container's ID. */
  async run(config: ContainerConfig, opts: CreateOptions & StartHooks = {}): Promise<string> {
    const id = await this.create(config, opts);
    try {
      await this.start(id, opts);
    } catch (e) {
      await removeContainer(this.ctx, id, true);
      throw e;
    }
    return id;
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

  /** With volumes, the container's anonymous volumes go too (today they live in its directory, so always). */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const row = await this.get(ref);
    await removeContainer(this.ctx, row.id, opts.force ?? false);
  }

  /** The exit code, once the container is not running. */
  async wait(ref: string): Promise<number> {
    return waitContainer(this.ctx, (await this.get(ref)).id);
  }

  async inspect(ref: string): Promise<Record<string, unknown>> {
    return inspectContainer(this.ctx, await this.get(ref));
  }

  /** The container's log lines (CRI format on disk), selected as `docker logs` selects them. */
  async logs(ref: string, query: LogQuery = {}): Promise<LogLine[]> {
    const row = await this.get(ref);
    const path = join(this.ctx.containerDir(row.id), LOG_FILE);
    const contents = logFileNames(path, row.config.logMaxFiles ?? 1).map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return ''; // not rotated that far, or nothing logged yet
      }
    });
    return selectLines(logLines(contents), query);
  }

  /** What the monitor's exit command runs: record the exit, restart or remove as the policy says. */
  async cleanup(id: string): Promise<void> {
    await cleanup(this.ctx, id);
  }
}
