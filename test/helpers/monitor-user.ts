// Run by a user (rootless): a container through a monitor, to its exit, and
// delete. Prints what it saw as JSON for the test to check.
// usage: node monitor-user.ts ROOT BUNDLE ID MONITOR_DIR

import { existsSync, readFileSync } from 'node:fs';
import { logLines } from '../../src/runtime/cri-log.ts';
import { Runtime } from '../../src/runtime/runtime.ts';

const [root, bundle, id, dir] = process.argv.slice(2);
const rt = new Runtime({ root });
const c = await rt.run(id, { bundle, wait: true, monitor: { dir } });
const status = await c.exit;
const lines = logLines([readFileSync(c.monitor!.logPath, 'utf8')]).map((l) => `${l.stream} ${l.text}`);
await rt.delete(id);
process.stdout.write(`${JSON.stringify({ status, lines, rootless: rt.rootless, dirLeft: existsSync(dir) })}\n`);
