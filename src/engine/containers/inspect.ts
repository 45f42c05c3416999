// A container as `docker inspect` shows it: the same field names and shapes,
// so the Docker-compatible API can serve these objects as they are.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../oci/spec.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerRow } from '../store/containers.ts';
import { volumesDir } from '../volumes/local.ts';
import { LOG_FILE } from './start.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function readSpec(ctx: EngineContext, id: string): Spec | undefined {
  try {
    return JSON.parse(readFileSync(join(ctx.containerDir(id), 'config.json'), 'utf8')) as Spec;
  } catch {
    return undefined;
  }
}

/** The spec's binds of volume directories (named, anonymous and the image's), as Docker lists volume mounts. */
function volumeMounts(ctx: EngineContext, spec: Spec | undefined): Record<string, unknown>[] {
  const base = `${volumesDir(ctx)}/`;
  return (spec?.mounts ?? []).filter((m) => m.source?.startsWith(base) && m.source.endsWith('/_data')).map((m) => ({
    Type: 'volume', Name: m.source!.slice(base.length, -'/_data'.length), Source: m.source, Destination: m.destination, Driver: 'local',
    Mode: '', RW: !(m.options ?? []).includes('ro'), Propagation: '',
  }));
}

export function dockerStatus(row: ContainerRow): string {
  return row.state === 'creating' ? 'created' : row.state;
}

export function inspectContainer(ctx: EngineContext, row: ContainerRow): Record<string, unknown> {
  const spec = readSpec(ctx, row.id);
  const args = spec?.process?.args ?? [];
  const c = row.config;
  return {
    Id: row.id,
    Created: row.createdAt,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: {
      Status: dockerStatus(row),
      Running: row.state === 'running' || row.state === 'paused',
      Paused: row.state === 'paused',
      Restarting: row.state === 'restarting',
      OOMKilled: false,
      Dead: row.state === 'dead',
      Pid: row.pid,
      ExitCode: row.exitCode ?? 0,
      Error: row.error ?? '',
      StartedAt: row.startedAt ?? ZERO_TIME,
      FinishedAt: row.finishedAt ?? ZERO_TIME,
      ...(row.health && {
        Health: {
          Status: row.health.status,
          FailingStreak: row.health.failingStreak,
          Log: row.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
        },
      }),
    },
    Image: row.imageId,
    LogPath: join(ctx.containerDir(row.id), LOG_FILE),
    Name: `/${row.name}`,
    RestartCount: row.restartCount,
    Driver: ctx.images.snapshots.kind,
    Platform: 'linux',
    HostConfig: {
      AutoRemove: c.autoRemove ?? false,
      RestartPolicy: { Name: c.restart?.name ?? 'no', MaximumRetryCount: c.restart?.name === 'on-failure' ? c.restart.maxRetries ?? 0 : 0 },
      NetworkMode: c.network ?? 'none',
      Privileged: c.privileged ?? false,
      ReadonlyRootfs: c.readOnly ?? false,
      CapAdd: c.capAdd ?? null,
      CapDrop: c.capDrop ?? null,
      Memory: c.resources?.memory ?? 0,
      MemorySwap: c.resources?.memorySwap ?? 0,
      NanoCpus: c.resources?.nanoCpus ?? 0,
      CpuShares: c.resources?.cpuShares ?? 0,
      CpusetCpus: c.resources?.cpusetCpus ?? '',
      PidsLimit: c.resources?.pidsLimit ?? null,
      ShmSize: c.shmSize ?? 64 * 1024 * 1024,
      Init: c.init ?? null,
      Runtime: c.runtime ?? 'runts',
      LogConfig: { Type: 'k8s-file', Config: { ...(c.logMaxSize !== undefined && { 'max-size': String(c.logMaxSize) }), ...(c.logMaxFiles !== undefined && { 'max-file': String(c.logMaxFiles) }) } },
    },
    Mounts: [
      ...(c.mounts ?? []).filter((m) => m.type !== 'volume').map((m) => ({ Type: m.type, Source: m.source ?? '', Destination: m.target, RW: !m.readonly })),
      ...volumeMounts(ctx, spec),
    ],
    Config: {
      Hostname: spec?.hostname ?? '',
      User: c.user ?? '',
      Tty: c.tty ?? false,
      OpenStdin: c.openStdin ?? false,
      Env: spec?.process?.env ?? [],
      Cmd: c.cmd ?? null,
      Entrypoint: c.entrypoint ?? null,
      Image: row.image,
      WorkingDir: spec?.process?.cwd ?? '',
      Labels: c.labels ?? {},
      StopSignal: c.stopSignal ?? null,
      StopTimeout: c.stopTimeout ?? null,
    },
  };
}
