// Rootless user namespaces with more than the user's own id: the ranges
// /etc/subuid and /etc/subgid grant the user are written by the setuid
// newuidmap and newgidmap (shadow's; Debian's uidmap package), as runc does.
// What the files do not grant is refused here, naming the mapping, before
// anything is made.

import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../oci/errors.ts';
import type { IdMapping, Linux } from '../oci/spec.ts';

export interface SubIdRange {
  start: number;
  count: number;
}

/** The ranges of a subuid/subgid file's text granted to owner (a name or a uid, as the files allow). */
export function grantedRanges(text: string, owners: readonly string[]): SubIdRange[] {
  const ranges: SubIdRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (!owners.includes(owner) || !/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    ranges.push({ start: Number(start), count: Number(count) });
  }
  return ranges;
}

/** Whether [start, start+count) is covered by the ranges (adjacent ones together, as newuidmap takes them). */
function covered(start: number, count: number, ranges: readonly SubIdRange[]): boolean {
  const end = start + count;
  let at = start;
  for (;;) {
    const r = ranges.find((x) => x.start <= at && at < x.start + x.count);
    if (!r) return false;
    at = r.start + r.count;
    if (at >= end) return true;
  }
}

/** Whether the maps ask for no more than the user's own id, which the user may write itself. */
export function ownIdOnly(maps: readonly IdMapping[], own: number): boolean {
  return maps.length === 1 && maps[0].hostID === own && maps[0].size === 1;
}

/** The first mapping neither the user's own id nor granted by the ranges, by index. */
export function ungranted(maps: readonly IdMapping[], own: number, ranges: readonly SubIdRange[]): number | undefined {
  const i = maps.findIndex((m) => !(m.size === 1 && m.hostID === own) && !covered(m.hostID, m.size, ranges));
  return i < 0 ? undefined : i;
}

/** A program by name in PATH, then in the system's directories. */
function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/bin', '/sbin'];
  for (const dir of dirs.filter((d) => d.startsWith('/'))) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

/** The user's names in /etc/subuid and /etc/subgid: its login name (from /etc/passwd) and its number. */
function ownerNames(uid: number): string[] {
  const names = [String(uid)];
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && f[2] === String(uid)) names.push(f[0]);
    }
  } catch {}
  return names;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * For a user (not root, not in a user namespace) making a user namespace: newuidmap and newgidmap
 * for the maps that need more than the user's own id, checked against /etc/subuid and /etc/subgid.
 */
export function mapTools(linux: Linux | undefined, uid: number, gid: number): { uid?: string; gid?: string } {
  if (!linux?.namespaces?.some((ns) => ns.type === 'user' && ns.path === undefined)) return {};
  let names: string[] | undefined;
  const tools: { uid?: string; gid?: string } = {};
  const sides = [
    ['uid', 'linux.uidMappings', linux.uidMappings ?? [], uid, '/etc/subuid', 'newuidmap'],
    ['gid', 'linux.gidMappings', linux.gidMappings ?? [], gid, '/etc/subgid', 'newgidmap'],
  ] as const;
  for (const [side, field, maps, own, file, tool] of sides) {
    if (ownIdOnly(maps, own)) continue;
    names ??= ownerNames(uid);
    const i = ungranted(maps, own, grantedRanges(readOr(file), names));
    if (i !== undefined)
      throw new ConfigError(`${field}[${i}]`, `host ids ${maps[i].hostID}-${maps[i].hostID + maps[i].size - 1} are neither the user's own ${side} (${own}) nor granted to ${names.at(-1)} by ${file}`);
    const path = findProgram(tool);
    if (!path) throw new ConfigError(field, `mapping more than the user's own ${side} needs ${tool} (Debian's uidmap package), which is not installed`);
    tools[side] = path;
  }
  return tools;
}
