// What the CLIs print, written to fd 1 or 2 with write(2). process.stdout and
// process.stderr are streams whose first use loads node:stream: ~4 ms of a
// runts call under Bun, which starts one in about 15. A runts call prints a
// line or a JSON document and exits; the berth commands that relay a
// container's output keep their streams.

import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      // A non-blocking pipe that is full: wait for its reader a millisecond at a time.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

export function writeOut(text: string): void {
  writeAll(1, text);
}

export function writeErr(text: string): void {
  writeAll(2, text);
}
