// The client side of the monitor's attach socket (native/monitor/attach.h):
// frames of u8 type, u32 big-endian length, payload, both ways.

import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { ATTACH_SOCKET, type ExitRecord, parseExitRecord } from './monitor.ts';

export const Frame = { STDIN: 0, STDOUT: 1, STDERR: 2, EXIT: 3, RESIZE: 4, CLOSE_STDIN: 5, ATTACHED: 6 } as const;

const HEAD = 5;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(HEAD + data.length);
  out[0] = type;
  out.writeUInt32BE(data.length, 1);
  data.copy(out, HEAD);
  return out;
}

export function resizeFrame(rows: number, cols: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(rows, 0);
  p.writeUInt16BE(cols, 2);
  return encodeFrame(Frame.RESIZE, p);
}

/** Cuts a byte stream into frames, whatever the pieces it arrives in. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames = [];
    while (this.buf.length >= HEAD) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < HEAD + len) break;
      frames.push({ type: this.buf[0], payload: this.buf.subarray(HEAD, HEAD + len) });
      this.buf = this.buf.subarray(HEAD + len);
    }
    return frames;
  }
}

export interface Attached {
  socket: Socket;
  write(data: Buffer | string): void;
  resize(rows: number, cols: number): void;
  closeStdin(): void;
  /** The container's exit, when the monitor sends it; undefined if the connection ends first. */
  exit: Promise<ExitRecord | undefined>;
}

/**
 * Connects to a monitor's attach socket; output goes to onOutput as it
 * comes. Resolves once the monitor has taken the client (its ATTACHED
 * frame): a connect returns before the monitor accepts, and a container
 * started in between would write output this client never gets.
 */
export async function attach(dir: string, onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void): Promise<Attached> {
  const { connect } = await import('node:net');
  // Through the directory's fd: a socket path is limited to 107 bytes.
  const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  let socket: Socket;
  try {
    socket = await new Promise<Socket>((resolveConnect, reject) => {
      const s = connect(join(`/proc/self/fd/${dirFd}`, ATTACH_SOCKET));
      s.once('connect', () => resolveConnect(s));
      s.once('error', reject);
    });
  } finally {
    closeSync(dirFd);
  }
  const decoder = new FrameDecoder();
  let taken!: () => void;
  const attached = new Promise<void>((res) => (taken = res));
  const exit = new Promise<ExitRecord | undefined>((resolveExit) => {
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === Frame.STDOUT) onOutput('stdout', f.payload);
        else if (f.type === Frame.STDERR) onOutput('stderr', f.payload);
        else if (f.type === Frame.EXIT) resolveExit(parseExitRecord(f.payload.toString()));
        else if (f.type === Frame.ATTACHED) taken();
      }
    });
    socket.on('close', () => resolveExit(undefined));
    socket.on('error', () => {});
  });
  // A monitor that closes before taking the client (its container gone) ends the session at once.
  await Promise.race([attached, exit]);
  return {
    socket,
    write: (data) => socket.write(encodeFrame(Frame.STDIN, data)),
    resize: (rows, cols) => socket.write(resizeFrame(rows, cols)),
    closeStdin: () => socket.write(encodeFrame(Frame.CLOSE_STDIN)),
    exit,
  };
}
