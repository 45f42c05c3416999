import { readFileSync } from 'node:fs';
import { parseArgs } from '../args.ts';
import type { Command } from './context.ts';
import { writeOut } from '../output.ts';

/** A uid's name from /etc/passwd, or "#uid" as runc writes one it cannot name. */
function userNames(): (uid: number) => string {
  let names: Map<number, string> | undefined;
  return (uid) => {
    if (!names) {
      names = new Map();
      try {
        for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
          const [name, , id] = line.split(':');
          if (name && id && !names.has(Number(id))) names.set(Number(id), name);
        }
      } catch {
        // No passwd: numbers it is.
      }
    }
    return names.get(uid) ?? `#${uid}`;
  };
}

const list: Command = async (ctx, argv) => {
  const { flags } = parseArgs(argv, [
    { name: 'format', alias: 'f', type: 'string' },
    { name: 'quiet', alias: 'q', type: 'bool' },
  ]);
  const all = ctx.runtime().list();
  const owner = userNames();
  if (flags.quiet) {
    writeOut(all.map((c) => `${c.id}\n`).join(''));
  } else if (flags.format === 'json') {
    const rows = all.map((c) => ({
      ociVersion: c.ociVersion,
      id: c.id,
      pid: c.pid ?? 0,
      status: c.status,
      bundle: c.bundle,
      rootfs: c.rootfs,
      created: c.created,
      annotations: c.annotations,
      owner: owner(c.ownerUid),
    }));
    writeOut(`${JSON.stringify(rows)}\n`);
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const c of all) rows.push([c.id, String(c.pid ?? 0), c.status, c.bundle, c.created, owner(c.ownerUid)]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    writeOut(rows.map((r) => r.map((v, i) => v.padEnd(widths[i] + 3)).join('').trimEnd() + '\n').join(''));
  }
  return 0;
};
export default list;
