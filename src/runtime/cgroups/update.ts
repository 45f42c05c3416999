// What update makes of the stored resources and the fields it is given: each
// field given replaces the stored one, and per-device (per-key) entries
// replace the stored entry for the same device, as runc's update upserts them.

import type { LinuxResources, ThrottleDevice } from '../../oci/spec.ts';

function upsert<T>(old: T[] | undefined, given: T[] | undefined, key: (x: T) => string): T[] | undefined {
  if (given === undefined) return old;
  const out = [...(old ?? [])];
  for (const g of given) {
    const i = out.findIndex((o) => key(o) === key(g));
    if (i >= 0) out[i] = g;
    else out.push(g);
  }
  return out;
}

const device = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;

export function mergeResources(old: LinuxResources, given: LinuxResources): LinuxResources {
  const out: LinuxResources = { ...old };
  if (given.memory) out.memory = { ...old.memory, ...given.memory };
  if (given.cpu) out.cpu = { ...old.cpu, ...given.cpu };
  if (given.pids) out.pids = { ...old.pids, ...given.pids };
  if (given.blockIO) {
    const b = { ...old.blockIO, ...given.blockIO };
    b.weightDevice = upsert(old.blockIO?.weightDevice, given.blockIO.weightDevice, device);
    for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const)
      b[k] = upsert<ThrottleDevice>(old.blockIO?.[k], given.blockIO[k], device);
    out.blockIO = b;
  }
  if (given.hugepageLimits) out.hugepageLimits = upsert(old.hugepageLimits, given.hugepageLimits, (h) => h.pageSize);
  if (given.network) {
    out.network = { ...old.network, ...given.network };
    out.network.priorities = upsert(old.network?.priorities, given.network.priorities, (p) => p.name);
  }
  if (given.rdma) out.rdma = { ...old.rdma, ...given.rdma };
  if (given.unified) out.unified = { ...old.unified, ...given.unified };
  return JSON.parse(JSON.stringify(out));
}
