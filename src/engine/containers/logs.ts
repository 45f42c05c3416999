// berth logs: the CRI log the monitor writes (it outlives the monitor and
// any berth), read back as `docker logs` selects it; following polls the
// active file until the container stops, reading only what was appended.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLine, LineJoiner, type LogLine, logFileNames, logLines, parseRecord, selectLines } from '../../runtime/cri-log.ts';
import type { EngineContext } from '../context.ts';
import { InvalidArgumentError } from '../errors.ts';
import { nowNs, type TimeArg, toNs } from '../time.ts';
import { LOG_FILE } from './start.ts';

export interface LogOptions {
  follow?: boolean;
  since?: TimeArg;
  until?: TimeArg;
  /** The last n lines only (before following). */
  tail?: number;
  /** Each entry's `output` starts with its time, as `logs -t`. */
  timestamps?: boolean;
  /** How often a follow reads the files again (default 100 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface LogEntry extends LogLine {
  /** The line as `logs` prints it (newline included unless partial). */
  output: string;
}

/** Where a follow has read the active log file to: its inode and byte offset. */
interface ReadPoint {
  ino: number;
  offset: number;
}

/** The bytes of the file at path from offset on, with the inode they came from; null if it is gone. */
function readFrom(path: string, offset: number): { ino: number; size: number; bytes: Buffer } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null; // not rotated that far yet, or removed with the container
  }
  try {
    const { ino, size } = fstatSync(fd);
    const from = offset <= size ? offset : 0;
    const bytes = Buffer.alloc(size - from);
    for (let got = 0; got < bytes.length; ) {
      const n = readSync(fd, bytes, got, bytes.length - got, from + got);
      if (n === 0) return { ino, size: from + got, bytes: bytes.subarray(0, got) };
      got += n;
    }
    return { ino, size, bytes };
  } finally {
    closeSync(fd);
  }
}

/** Every line in the log's files, oldest first, and where the active file was read to. */
function readLines(ctx: EngineContext, id: string): { lines: LogLine[]; at: ReadPoint } {
  const row = ctx.containers.get(id);
  const names = logFileNames(join(ctx.containerDir(id), LOG_FILE), row?.config.logMaxFiles ?? 1);
  const reads = names.map((n) => readFrom(n, 0));
  const active = reads.at(-1);
  return { lines: logLines(reads.map((r) => r?.bytes.toString('utf8') ?? '')), at: { ino: active?.ino ?? -1, offset: active?.size ?? 0 } };
}

/**
 * A follow's reads after the first: only what was appended to the active file
 * since the last one. A rotation renames the file being read to path.1 (the
 * monitor rotates between records): its rest is read there first, then the
 * new file from its start; a file truncated in place (one file kept) is read
 * from its start again.
 */
class LogTail {
  private readonly path: string;
  private at: ReadPoint;
  private rest = Buffer.alloc(0);
  private readonly joiner = new LineJoiner();

  constructor(path: string, at: ReadPoint) {
    this.path = path;
    this.at = at;
  }

  next(): LogLine[] {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      // Removed with the container, or between a rotation's rename and its new file: next round.
      return [];
    }
    const chunks: Buffer[] = [];
    if (st.ino !== this.at.ino) {
      // Rotated: the file read so far is path.1 now; its rest comes before the new file.
      const old = this.at.ino === -1 ? null : readFrom(`${this.path}.1`, this.at.offset);
      if (old && old.ino === this.at.ino) chunks.push(old.bytes);
      this.at = { ino: st.ino, offset: 0 };
    }
    const cur = readFrom(this.path, this.at.offset);
    if (cur) {
      // Truncated in place (one file kept): read again from its start, the cut line forgotten.
      if (cur.size - cur.bytes.length < this.at.offset) this.rest = Buffer.alloc(0);
      chunks.push(cur.bytes);
      this.at = { ino: cur.ino, offset: cur.size };
    }
    const buf = Buffer.concat([this.rest, ...chunks]);
    const end = buf.lastIndexOf(0x0a) + 1;
    // A record is one write; what follows the last newline is not there whole yet.
    this.rest = buf.subarray(end);
    const out: LogLine[] = [];
    for (const raw of buf.subarray(0, end).toString('utf8').split('\n')) {
      const r = parseRecord(raw);
      const line = r && this.joiner.push(r);
      if (line) out.push(line);
    }
    return out;
  }

  /** Lines left without their end once the container has stopped. */
  pending(): LogLine[] {
    return this.joiner.pending();
  }
}

function isUp(ctx: EngineContext, id: string): boolean {
  const s = ctx.containers.get(id)?.state;
  return s === 'running' || s === 'paused' || s === 'restarting';
}

export async function* containerLogs(ctx: EngineContext, id: string, opts: LogOptions = {}): AsyncGenerator<LogEntry> {
  if (opts.tail !== undefined && !(Number.isInteger(opts.tail) && opts.tail >= 0)) throw new InvalidArgumentError('tail', `${opts.tail} is not a count of lines`);
  const now = nowNs();
  const since = toNs('since', opts.since, now);
  const until = toNs('until', opts.until, now);
  const entry = (l: LogLine): LogEntry => ({ ...l, output: formatLine(l, !!opts.timestamps) });
  const first = readLines(ctx, id);
  for (const l of selectLines(first.lines, { since, until, tail: opts.tail })) yield entry(l);
  if (!opts.follow) return;
  const tail = new LogTail(join(ctx.containerDir(id), LOG_FILE), first.at);
  for (;;) {
    // Up before the read: an exit after the read still has its last lines read next round.
    const up = isUp(ctx, id);
    const fresh = tail.next();
    if (!up) fresh.push(...tail.pending());
    for (const l of fresh) {
      if (until !== undefined && l.ns >= until) return;
      if (since === undefined || l.ns >= since) yield entry(l);
    }
    if (!up || (until !== undefined && nowNs() >= until) || opts.signal?.aborted) return;
    try {
      await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal });
    } catch {
      return;
    }
  }
}
