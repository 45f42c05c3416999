// runc-compatible logging: --log FILE with --log-format text|json. Clients
// such as containerd read the json lines ({"level","msg","time"}) on failure.

import { appendFileSync } from 'node:fs';
import { writeErr } from './output.ts';

export type Level = 'debug' | 'info' | 'warning' | 'error';

export class Logger {
  private readonly file?: string;
  private readonly json: boolean;
  private readonly debugEnabled: boolean;

  constructor(file: string | undefined, format: string | undefined, debug: boolean) {
    this.file = file;
    this.json = format === 'json';
    this.debugEnabled = debug;
  }

  log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (level === 'debug' && !this.debugEnabled) return;
    const time = new Date().toISOString();
    const line = this.json
      ? JSON.stringify({ level, msg, ...fields, time })
      : `time="${time}" level=${level} msg="${msg.replaceAll('"', '\\"')}"${Object.entries(fields)
          .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
          .join('')}`;
    if (this.file) {
      try {
        appendFileSync(this.file, `${line}\n`);
      } catch {
        writeErr(`${line}\n`);
      }
    } else if (level !== 'error') {
      writeErr(`${line}\n`);
    }
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  warn(msg: string): void {
    this.log('warning', msg);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
}
