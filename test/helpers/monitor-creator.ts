// Creates a container through a monitor, prints its record and dies at once
// (SIGKILL, no clean-up of any kind): the monitor must carry on without it.
// usage: node monitor-creator.ts ROOT BUNDLE ID MONITOR_DIR

import { Runtime } from '../../src/runtime/runtime.ts';

const [root, bundle, id, dir] = process.argv.slice(2);
const rt = new Runtime({ root });
const c = await rt.run(id, { bundle, monitor: { dir } });
process.stdout.write(`${JSON.stringify({ pid: c.pid, monitor: c.monitor })}\n`, () => process.kill(process.pid, 'SIGKILL'));
