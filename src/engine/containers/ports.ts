// berth port: the container's published ports. Publishing (-p) comes with
// networking; until then a container has none, and a private port asked for
// is reported unpublished, as Docker reports it.

import { EngineError, InvalidArgumentError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';

export interface PortBinding {
  privatePort: number;
  proto: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
}

export function containerPorts(row: ContainerRow, privatePort?: string): PortBinding[] {
  const published: PortBinding[] = [];
  if (privatePort === undefined) return published;
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(privatePort);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new InvalidArgumentError('PRIVATE_PORT', `"${privatePort}" is not PORT[/tcp|udp|sctp]`);
  const port = Number(m[1]);
  const proto = (m[2] ?? 'tcp') as PortBinding['proto'];
  const hits = published.filter((b) => b.privatePort === port && b.proto === proto);
  if (!hits.length) throw new EngineError('NotFound', `no public port '${port}/${proto}' published for ${row.name}`);
  return hits;
}
