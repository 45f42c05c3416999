// berth attach: a client of the container's monitor (its attach socket), as
// Node streams. Output is what the container writes from the moment of
// attaching (earlier output is in the log); stdin reaches the container when
// it was created with openStdin.

import type { Readable, Writable } from 'node:stream';
import { attach } from '../../runtime/attach.ts';
import type { EngineContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import type { ContainerRow } from '../store/containers.ts';

export interface AttachSession {
  stdout: Readable;
  stderr: Readable;
  /** To the container's stdin; ending it closes the container's stdin (it reads EOF). */
  stdin: Writable;
  /** The terminal's size, for a container with tty. */
  resize(rows: number, cols: number): void;
  /** Leaves the container running: the streams end, exit resolves undefined. */
  detach(): void;
  /** The container's exit status when it exits while attached; undefined if the session ended first. */
  exit: Promise<number | undefined>;
}

/** A session on a monitor's attach socket (its directory). */
export async function openAttach(monitorDir: string): Promise<AttachSession> {
  // Loaded here, not with the module: a run attaches while its container is being made.
  const { PassThrough, Writable } = process.getBuiltinModule('node:stream');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const a = await attach(monitorDir, (stream, data) => (stream === 'stdout' ? stdout : stderr).write(data));
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      a.write(chunk);
      cb();
    },
    final(cb) {
      a.closeStdin();
      cb();
    },
  });
  const exit = a.exit.then((rec) => {
    stdout.end();
    stderr.end();
    return rec?.status;
  });
  return {
    stdout, stderr, stdin, exit,
    resize: (rows, cols) => a.resize(rows, cols),
    detach: () => a.socket.destroy(),
  };
}

/**
 * The start hooks of a foreground client (run, start -a): its attach begins
 * as soon as the monitor runs, while the runtime still makes the container,
 * and is complete before the container starts, so no output is missed.
 */
export class ForegroundAttach {
  session?: AttachSession;
  private pending?: Promise<AttachSession>;

  readonly monitorStarted = (monitorDir: string): void => {
    this.pending = openAttach(monitorDir);
    // Awaited by created; a start that fails first drops it (close).
    this.pending.catch(() => {});
  };

  readonly created = async (monitorDir: string): Promise<void> => {
    this.session = await (this.pending ?? openAttach(monitorDir));
  };

  /** The start failed: a connection made meanwhile goes. */
  close(): void {
    this.pending?.then((s) => s.detach(), () => {});
  }
}

export async function attachContainer(ctx: EngineContext, row: ContainerRow): Promise<AttachSession> {
  if (row.state !== 'running' && row.state !== 'paused') throw new ConflictError(`container ${row.name} is ${row.state}: you cannot attach to a container that is not running, start it first`);
  return openAttach(ctx.monitorDir(row.id));
}
