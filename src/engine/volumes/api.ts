// Berth.volumes: the volume operations as the library offers them (the
// berth volume commands call the same), each after the engine's
// reconciliation.

import type { EngineContext } from '../context.ts';
import { dataPath } from './local.ts';
import { createVolume, getVolume, inspectVolume, pruneVolumes, removeVolume, type VolumeCreateOptions, volumeStore } from './service.ts';
import type { VolumeRow } from './store.ts';

export interface VolumeInfo extends VolumeRow {
  mountpoint: string;
  /** IDs of the containers created on it (running or not): in use while any. */
  usedBy: string[];
}

export class Volumes {
  private readonly ctx: EngineContext;
  private readonly ready: () => Promise<void>;

  constructor(ctx: EngineContext, ready: () => Promise<void>) {
    this.ctx = ctx;
    this.ready = ready;
  }

  private info(v: VolumeRow): VolumeInfo {
    return { ...v, mountpoint: dataPath(this.ctx, v.name), usedBy: volumeStore(this.ctx).users(v.name) };
  }

  /** A volume (an existing name is returned as it is); without a name, an anonymous one. */
  async create(opts: VolumeCreateOptions = {}): Promise<VolumeInfo> {
    await this.ready();
    return this.info(await createVolume(this.ctx, opts));
  }

  async list(): Promise<VolumeInfo[]> {
    await this.ready();
    return volumeStore(this.ctx).list().map((v) => this.info(v));
  }

  async get(name: string): Promise<VolumeInfo> {
    await this.ready();
    return this.info(getVolume(this.ctx, name));
  }

  /** `docker volume inspect`'s object. */
  async inspect(name: string): Promise<Record<string, unknown>> {
    await this.ready();
    return inspectVolume(this.ctx, getVolume(this.ctx, name));
  }

  /** Refused (ConflictError) while a container was created on it; force makes a missing volume no error. */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.ready();
    await removeVolume(this.ctx, name, opts);
  }

  /** Unused anonymous volumes, or with all every unused volume. */
  async prune(opts: { all?: boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
    await this.ready();
    return pruneVolumes(this.ctx, opts);
  }
}
