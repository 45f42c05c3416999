// Connected unix stream sockets: one end an fd to hand a process as its
// stdio, the other a net.Socket on this process's event loop. Node can wrap
// an fd in a net.Socket, but Bun, which runs the compiled CLI, never reads
// from one; a socket the runtime accepted itself both read. So the pairs are
// made through a listening socket under the run root, gone once connected.
// node:net is loaded on use: a berth run needs none of it.

import { closeSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { hostCalls } from '../native/host.ts';

export interface StreamPair {
  /** The process's end: a blocking, close-on-exec socket fd, for the caller to close once handed on. */
  fd: number;
  /** This process's end. */
  socket: Socket;
}

/** n pairs, made through one listening socket in dir (kept short: a socket path has 108 bytes). */
let made = 0;

export async function streamPairs(dir: string, n: number): Promise<StreamPair[]> {
  // Unique among live processes: the pid, and this process's count.
  const path = join(dir, `.pair-${process.pid}-${made++}`);
  const server = process.getBuiltinModule('node:net').createServer();
  const pairs: StreamPair[] = [];
  try {
    // One a crashed process of the same pid left.
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    for (let i = 0; i < n; i++) {
      const accepted = nextConnection(server);
      const fd = hostCalls().connectUnix(path);
      try {
        pairs.push({ fd, socket: await accepted });
      } catch (e) {
        closeSync(fd);
        throw e;
      }
    }
    return pairs;
  } catch (e) {
    for (const p of pairs) {
      closeSync(p.fd);
      p.socket.destroy();
    }
    throw e;
  } finally {
    server.close();
    rmSync(path, { force: true });
  }
}

function nextConnection(server: Server): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('connection', onConnection);
      reject(e);
    };
    const onConnection = (s: Socket) => {
      server.off('error', onError);
      resolve(s);
    };
    server.once('connection', onConnection).once('error', onError);
  });
}
