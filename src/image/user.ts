// The image's User ("name", "uid", "name:group", "uid:gid"...) resolved
// against its own /etc/passwd and /etc/group, as Docker does.

import { ImageError } from './errors.ts';
import { readInRoot } from './rootfs-read.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  username?: string;
}

const isId = (s: string): boolean => /^\d+$/.test(s);

function parse(text: string | undefined, fields: number): string[][] {
  return (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':')).filter((f) => f.length >= fields);
}

export function resolveUser(rootfs: string, spec: string | undefined, image: string): ResolvedUser {
  if (!spec) return { uid: 0, gid: 0 };
  const [user, group] = spec.split(':', 2);
  const passwd = parse(readInRoot(rootfs, '/etc/passwd'), 7);
  const groups = parse(readInRoot(rootfs, '/etc/group'), 4);
  const entry = passwd.find((p) => (isId(user) ? p[2] === user : p[0] === user));
  if (!entry && !isId(user)) throw new ImageError('EUSER', `${image}: user "${user}" not found in the image's /etc/passwd`);
  const uid = Number(entry ? entry[2] : user);
  let gid = entry ? Number(entry[3]) : 0;
  if (group !== undefined && group !== '') {
    const g = groups.find((x) => (isId(group) ? x[2] === group : x[0] === group));
    if (!g && !isId(group)) throw new ImageError('EUSER', `${image}: group "${group}" not found in the image's /etc/group`);
    gid = Number(g ? g[2] : group);
  }
  const name = entry?.[0];
  const additional = group === undefined && name ? groups.filter((g) => g[3].split(',').includes(name)).map((g) => Number(g[2])).filter((g) => g !== gid) : [];
  return { uid, gid, ...(additional.length ? { additionalGids: additional } : {}), ...(name ? { username: name } : {}) };
}
