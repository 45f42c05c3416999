// One contender for a store lock (test/image/lock.test.ts): says it is ready,
// waits for the go (so that every contender starts at once), then takes the
// lock `rounds` times, and while holding it appends "enter PID" and, a moment
// later, "leave PID" to the log.

import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../../src/image/store/lock.ts';

const [path, log, rounds] = process.argv.slice(2);
appendFileSync(`${log}.ready`, 'ready\n');
while (!existsSync(`${log}.go`)) await sleep(1);
for (let i = 0; i < Number(rounds); i++) {
  await withLock(path, async () => {
    appendFileSync(log, `enter ${process.pid}\n`);
    await sleep(1);
    appendFileSync(log, `leave ${process.pid}\n`);
  });
}
