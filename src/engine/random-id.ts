// IDs of containers and anonymous volumes, as Docker's: 32 random bytes from
// the kernel, in hex. node:crypto would cost a CLI 10-20 ms to load.

import { closeSync, openSync, readSync } from 'node:fs';

export function randomId(): string {
  const b = Buffer.alloc(32);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, b);
  } finally {
    closeSync(fd);
  }
  return b.toString('hex');
}
