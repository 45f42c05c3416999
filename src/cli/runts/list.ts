import { parseArgs } from '../args.ts';
import type { Command } from './context.ts';

const list: Command = async (ctx, argv) => {
  const { flags } = parseArgs(argv, [
    { name: 'format', alias: 'f', type: 'string' },
    { name: 'quiet', alias: 'q', type: 'bool' },
  ]);
  const all = ctx.runtime().list();
  if (flags.quiet) {
    process.stdout.write(all.map((c) => `${c.id}\n`).join(''));
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
      owner: 'root',
    }));
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const c of all) rows.push([c.id, String(c.pid ?? 0), c.status, c.bundle, c.created, 'root']);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    process.stdout.write(rows.map((r) => r.map((v, i) => v.padEnd(widths[i] + 3)).join('').trimEnd() + '\n').join(''));
  }
  return 0;
};
export default list;
