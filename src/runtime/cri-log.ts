// Reading the monitor's log, the Kubernetes CRI format kubelet and
// `crictl logs` read: `<RFC3339Nano> stdout|stderr F|P <bytes>` a line, P
// for a piece of a longer line. For the engine's `logs` (--since, --until,
// --tail, -t). Pure: the caller reads the files.

import { RuntimeError } from '../oci/errors.ts';

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** The timestamp as written. */
  time: string;
  /** Nanoseconds since the epoch. */
  ns: bigint;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** A whole line: its pieces joined, with the time of its first. */
export interface LogLine {
  time: string;
  ns: bigint;
  stream: LogStream;
  text: string;
  /** It ended without a newline (the stream closed mid-line). */
  partial: boolean;
}

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** RFC 3339 with up to nine fractional digits, as nanoseconds since the epoch; undefined if it is not one. */
export function parseTimestamp(s: string): bigint | undefined {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** One line of the log file (without its newline); undefined if it is not a record. */
export function parseRecord(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  const tag = line.slice(b + 1, c);
  const ns = parseTimestamp(time);
  if (ns === undefined || (stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return undefined;
  return { time, ns, stream, partial: tag === 'P', text: line.slice(c + 1) };
}

/** Records joined into lines as they come: a piece (P) waits on its stream for the rest of its line. */
export class LineJoiner {
  private readonly open: Partial<Record<LogStream, LogLine>> = {};

  /** The line r completes, if it does. */
  push(r: LogRecord): LogLine | undefined {
    const cur = this.open[r.stream];
    if (cur) cur.text += r.text;
    else this.open[r.stream] = { time: r.time, ns: r.ns, stream: r.stream, text: r.text, partial: true };
    if (r.partial) return undefined;
    const done = this.open[r.stream]!;
    done.partial = false;
    this.open[r.stream] = undefined;
    return done;
  }

  /** Lines whose end never came (the stream closed mid-line). */
  pending(): LogLine[] {
    return (['stdout', 'stderr'] as const).flatMap((s) => (this.open[s] ? [this.open[s]!] : []));
  }
}

/**
 * The lines of a log, oldest file first (path.N ... path.1, path), pieces of
 * a line joined per stream. Lines that are not records (a file cut by a
 * crash) are skipped.
 */
export function logLines(files: string[]): LogLine[] {
  const out: LogLine[] = [];
  const joiner = new LineJoiner();
  for (const content of files) {
    for (const raw of content.split('\n')) {
      const r = parseRecord(raw);
      const line = r && joiner.push(r);
      if (line) out.push(line);
    }
  }
  out.push(...joiner.pending());
  return out.sort((x, y) => (x.ns < y.ns ? -1 : x.ns > y.ns ? 1 : 0));
}

export interface LogQuery {
  /** Only lines at or after this time (nanoseconds since the epoch). */
  since?: bigint;
  /** Only lines before this time. */
  until?: bigint;
  /** Only the last n lines (after since/until). */
  tail?: number;
}

export function selectLines(lines: LogLine[], q: LogQuery): LogLine[] {
  let sel = lines.filter((l) => (q.since === undefined || l.ns >= q.since) && (q.until === undefined || l.ns < q.until));
  if (q.tail !== undefined) sel = q.tail > 0 ? sel.slice(-q.tail) : [];
  return sel;
}

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, µs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/**
 * A --since/--until value as Docker takes it: an RFC 3339 time (a date alone
 * is midnight UTC), a Unix timestamp with optional fraction, or a Go
 * duration ("10m", "1h30m") before now.
 */
export function parseTimeArg(option: string, value: string, nowNs: bigint): bigint {
  const stamp = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (stamp) return BigInt(stamp[1]) * 1_000_000_000n + BigInt((stamp[2] ?? '').padEnd(9, '0'));
  const rfc = parseTimestamp(value) ?? (/^\d{4}-\d\d-\d\d$/.test(value) ? parseTimestamp(`${value}T00:00:00Z`) : undefined);
  if (rfc !== undefined) return rfc;
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let total = 0n;
    for (const [, n, , unit] of value.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
      const [int, frac = ''] = n.split('.');
      const scale = UNIT_NS[unit];
      total += BigInt(int) * scale + (BigInt(frac.padEnd(9, '0').slice(0, 9)) * scale) / 1_000_000_000n;
    }
    return nowNs - total;
  }
  throw new RuntimeError('EINVAL', `${option}: "${value}" is not a time (RFC 3339, a Unix timestamp, or a duration such as 10m)`);
}

/** --tail: "all" or a count. */
export function parseTail(value: string): number | undefined {
  if (value === 'all') return undefined;
  if (!/^\d+$/.test(value)) throw new RuntimeError('EINVAL', `--tail: "${value}" is not a number of lines or "all"`);
  return Number(value);
}

/** A line as `logs` prints it; with timestamps (-t) its time first, as Docker. */
export function formatLine(l: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${l.time} ` : ''}${l.text}${l.partial ? '' : '\n'}`;
}

/** The files of a rotated log, oldest first: path.(maxFiles-1) ... path.1, path. */
export function logFileNames(path: string, maxFiles: number): string[] {
  const names = [];
  for (let i = maxFiles - 1; i > 0; i--) names.push(`${path}.${i}`);
  names.push(path);
  return names;
}
