// Lines to and from a peer over a blocking unix socket, without node:net:
// reads go through libuv's thread pool (fs.read), writes are synchronous.
// Loading node:net and making a first Socket cost about 4 ms of every CLI
// call that starts a container; this costs a few tenths. A read holds a pool
// thread while it waits, which is short here: the executor and an init
// awaiting start answer or close within the set-up of one container.

import { closeSync, read, writeSync } from 'node:fs';

export class LineChannel {
  private readonly fd: number;
  private readonly onLine: (line: string) => void;
  private readonly onClose: () => void;
  private pending = Buffer.alloc(0);
  private done = false;
  private readonly chunk = Buffer.allocUnsafe(4096);

  /** Takes the fd: it is closed at EOF or on a read error, after which onClose runs. */
  constructor(fd: number, onLine: (line: string) => void, onClose: () => void) {
    this.fd = fd;
    this.onLine = onLine;
    this.onClose = onClose;
    this.pump();
  }

  /** Writes all of data; a peer that is gone (EPIPE) shows as the close that follows. */
  write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
    } catch {}
  }

  private pump(): void {
    read(this.fd, this.chunk, 0, this.chunk.length, null, (err, n) => {
      if (err || n === 0) return this.finish();
      // Lines are split as bytes, so a UTF-8 sequence cut between reads stays whole.
      this.pending = Buffer.concat([this.pending, this.chunk.subarray(0, n)]);
      let nl: number;
      while ((nl = this.pending.indexOf(10)) >= 0) {
        const line = this.pending.toString('utf8', 0, nl);
        this.pending = this.pending.subarray(nl + 1);
        this.onLine(line);
      }
      this.pump();
    });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    this.onClose();
  }
}
