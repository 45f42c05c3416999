// An exit command, as an engine's clean-up would be: reads the exit record
// and deletes the container (which waits for the monitor to be gone), then
// says what it saw in a file.
// usage: node monitor-exit.ts ROOT ID OUT

import { renameSync, writeFileSync } from 'node:fs';
import { readExitRecord } from '../../src/runtime/monitor.ts';
import { Runtime } from '../../src/runtime/runtime.ts';

const [root, id, out] = process.argv.slice(2);
const rt = new Runtime({ root });
const exit = readExitRecord(rt.record(id).monitor!.dir);
const t0 = Date.now();
await rt.delete(id);
writeFileSync(`${out}.tmp`, JSON.stringify({ status: exit?.status, deleteMs: Date.now() - t0 }));
renameSync(`${out}.tmp`, out);
