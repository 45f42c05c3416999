// --device HOST[:CONTAINER[:PERMS]] as Docker passes it: the host's node (or
// every node under a host directory) made in the container with the host's
// numbers, mode and owner, and a devices-cgroup rule allowing exactly those
// numbers with PERMS. --privileged: every host device, and every access.

import { posix } from 'node:path';
import type { Device, DeviceCgroupRule } from '../../oci/spec.ts';
import type { DeviceRequest } from '../config.ts';
import { invalid } from './check.ts';
import type { HostFacts } from './host.ts';

export interface DeviceSpec {
  devices: Device[];
  rules: DeviceCgroupRule[];
}

/** r, w and m, each at most once: the devices cgroup's access. */
export function validPermissions(p: string): boolean {
  return p.length > 0 && p.length <= 3 && /^[rwm]+$/.test(p) && new Set(p).size === p.length;
}

export function devicesSpec(requests: DeviceRequest[], privileged: boolean, host: HostFacts): DeviceSpec {
  const byPath = new Map<string, Device>();
  const rules: DeviceCgroupRule[] = [];
  if (privileged) {
    for (const d of host.devices()) byPath.set(d.path, d);
    rules.push({ allow: true, access: 'rwm' });
  }
  if (!Array.isArray(requests)) throw invalid('devices', '--device', 'must be a list');
  requests.forEach((req, i) => {
    const field = `devices[${i}]`;
    if (typeof req?.hostPath !== 'string' || !posix.isAbsolute(req.hostPath)) throw invalid(`${field}.hostPath`, '--device', `"${req?.hostPath ?? ''}" is not an absolute host path`);
    const target = posix.normalize(req.containerPath ?? req.hostPath);
    if (!posix.isAbsolute(target)) throw invalid(`${field}.containerPath`, '--device', `"${req.containerPath}" is not an absolute path in the container`);
    if (target === '/dev' || !target.startsWith('/dev/')) throw invalid(`${field}.containerPath`, '--device', `${target} is not a path under /dev`);
    const access = req.permissions ?? 'rwm';
    if (!validPermissions(access)) throw invalid(`${field}.permissions`, '--device', `"${access}" is not a combination of r, w and m`);
    const hostPath = posix.normalize(req.hostPath);
    const single = host.device(hostPath);
    const found = single ? [single] : host.devices(hostPath);
    if (found.length === 0) throw invalid(`${field}.hostPath`, '--device', `${hostPath} is not a device node on this host, nor a directory of them`);
    for (const d of found) {
      const path = single ? target : posix.join(target, d.path.slice(hostPath.length));
      byPath.set(path, { ...d, path });
      if (!privileged) rules.push({ allow: true, type: d.type as 'c' | 'b', major: d.major, minor: d.minor, access });
    }
  });
  return { devices: [...byPath.values()], rules };
}
