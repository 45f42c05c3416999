// HTTP(S) on node:http with keep-alive agents per endpoint (so parallel layer
// fetches reuse connections) and an optional private CA. fetch() is not used
// because it cannot take a CA per request.

import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.ts';

export interface TlsOptions {
  /** PEM CA certificates trusted in addition to nothing else (a private registry's CA). */
  ca?: string | Buffer;
  /** Skip certificate verification (docker's insecure-registries for HTTPS). */
  skipVerify?: boolean;
}

export interface Request {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  tls?: TlsOptions;
  timeoutMs?: number;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: IncomingMessage;
  url: string;
}

const agents = new Map<string, HttpAgent>();

// Loaded on first use: node:https brings node:tls, ~50 ms to load, and most
// commands of a CLI process (a run of a local image) never speak HTTP.
const http = () => process.getBuiltinModule('node:http');
const https = () => process.getBuiltinModule('node:https');

function agentFor(url: URL, tls?: TlsOptions): HttpAgent {
  const key = `${url.protocol}//${url.host}|${tls?.skipVerify ? 1 : 0}|${tls?.ca ? String(tls.ca).length + String(tls.ca).slice(-64) : ''}`;
  let a = agents.get(key);
  if (!a) {
    const opts = { keepAlive: true, maxSockets: 16, scheduling: 'lifo' as const };
    a = url.protocol === 'https:' ? new (https().Agent)({ ...opts, ca: tls?.ca, rejectUnauthorized: !tls?.skipVerify }) : new (http().Agent)(opts);
    agents.set(key, a);
  }
  return a;
}

/** Lets the process exit: idle keep-alive sockets would hold it open. */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

export function send(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const fn = url.protocol === 'https:' ? https().request : http().request;
  return new Promise((resolve, reject) => {
    const r = fn(url, { method: req.method ?? 'GET', headers: req.headers, agent: agentFor(url, req.tls) }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
    });
    r.setTimeout(req.timeoutMs ?? 60_000, () => r.destroy(new Error(`no response in ${req.timeoutMs ?? 60_000} ms`)));
    r.on('error', (e) => reject(new RegistryError(`${req.method ?? 'GET'} ${req.url}`, 0, (e as Error).message)));
    if (!req.body) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      req.body.on('error', (e) => r.destroy(e));
      req.body.pipe(r);
    }
  });
}

export async function readBody(res: Response, limit = 4 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new RegistryError(res.url, res.status, `response larger than ${limit} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Drains and discards a body so its connection can be reused. */
export async function discard(res: Response): Promise<void> {
  res.body.resume();
  await new Promise<void>((r) => {
    res.body.on('end', r);
    res.body.on('error', () => r());
    res.body.on('close', r);
  });
}
