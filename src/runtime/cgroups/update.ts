// update: the fields given replace the stored ones (per-device entries the
// stored entry for the same device, as runc's update upserts them; device
// rules as a whole list), the controllers they touch are written again with
// rollback, and the record's spec follows only once every write is made.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../oci/errors.ts';
import type { IntelRdt, LinuxResources, ThrottleDevice } from '../../oci/spec.ts';
import { validateResources } from '../../oci/validate.ts';
import type { ContainerRecord } from '../state-store.ts';
import { resctrlRoot, writeSchemata } from './intelrdt.ts';
import { type DeviceRules, deviceRules, sameRules } from './devices.ts';
import { applyResources, permissionRefused, replaceDeviceRules, type Revertible } from './manager.ts';

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
  if (given.devices) out.devices = given.devices;
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

/**
 * Applies an update to a container's cgroups (and resctrl group) and, when
 * every write is made, to its record's spec (the caller stores it). A write
 * the kernel refuses, or a limit below usage under checkBeforeUpdate, puts
 * back the values found. Device rules given replace the container's when they
 * decide otherwise (containerd's shim passes the whole resources each time,
 * the same rules again mostly); a rootless runtime that may not write them
 * goes without, as at create.
 */
export function updateResources(
  rec: ContainerRecord,
  given: LinuxResources,
  intelRdt: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema'> | undefined,
  warn: (msg: string) => void,
  opts: { rootless?: boolean } = {},
): void {
  const { devices, ...limits } = given;
  const old = rec.spec.linux?.resources ?? {};
  const merged = validateResources(mergeResources(old, given));
  const touched = Object.fromEntries(Object.keys(limits).map((k) => [k, merged[k as keyof LinuxResources]]));
  const undos: (() => void)[] = [];
  let devicesChange: Revertible | undefined;
  try {
    if (devices !== undefined) {
      const before = deviceRules(old.devices);
      const rules = deviceRules(devices);
      if (!sameRules(before, rules)) devicesChange = replaceDevices(rec, before, rules, opts.rootless);
      if (devicesChange) undos.push(() => devicesChange!.undo());
    }
    if (intelRdt) undos.push(updateRdt(rec, intelRdt));
    for (const warning of applyResources(rec.cgroups, touched, undefined, { update: true })) warn(warning);
  } catch (e) {
    for (const undo of undos.reverse()) {
      try {
        undo();
      } catch {
        // Best effort: the error reported is the one that stopped the update.
      }
    }
    throw e;
  }
  devicesChange?.done();
  rec.spec.linux = { ...rec.spec.linux, resources: merged, ...(intelRdt && { intelRdt: { ...rec.spec.linux?.intelRdt, ...intelRdt } }) };
}

function replaceDevices(rec: ContainerRecord, before: DeviceRules, rules: DeviceRules, rootless?: boolean): Revertible | undefined {
  try {
    return replaceDeviceRules(rec.cgroups, before, rules);
  } catch (e) {
    if (rootless && permissionRefused(e)) return undefined;
    throw e;
  }
}

/** Writes new L3/MB lines to the container's resctrl group; returns what puts the old ones back. */
function updateRdt(rec: ContainerRecord, rdt: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema'>): () => void {
  const lines = [rdt.l3CacheSchema, rdt.memBwSchema].filter((l): l is string => !!l);
  const root = resctrlRoot();
  if (!root) throw new ConfigError('linux.intelRdt', 'this host has no resctrl filesystem mounted (Intel RDT / AMD QoS), so it cannot be applied');
  if (!rec.rdt) throw new ConfigError('linux.intelRdt', `container "${rec.id}" has no resctrl group (its config has no linux.intelRdt)`);
  const dir = rec.rdt.dir;
  const kinds = lines.map((l) => l.split(':')[0].trim());
  const before = readFileSync(join(dir, 'schemata'), 'utf8').split('\n').filter((l) => kinds.includes(l.split(':')[0].trim()));
  writeSchemata(root, dir, lines, 'linux.intelRdt');
  return () => writeSchemata(root, dir, before, 'linux.intelRdt');
}
