// A fault-injecting HTTP proxy in front of a test registry: corrupts, cuts,
// throttles or fails chosen requests, and records the requests it saw.

import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Fault {
  /** Requests whose path includes this string are affected. */
  match: string;
  /** Answer with this status (and an error body) instead of forwarding, `times` times. */
  status?: number;
  times?: number;
  /** The Retry-After header sent with `status` (default "0"). */
  retryAfter?: string;
  /** Flip a byte of the body at this offset. */
  corruptAt?: number;
  /** Close the connection after this many body bytes (once). */
  cutAfter?: number;
  /** Bytes per 10 ms. */
  throttle?: number;
  /** Replace the body entirely. */
  body?: Buffer;
  /** Send the replaced body without a Content-Length (chunked). */
  chunked?: boolean;
  contentType?: string;
}

export interface Proxy {
  host: string;
  faults: Fault[];
  seen: { path: string; range?: string }[];
  bytesSent: Map<string, number>;
  stop(): Promise<void>;
}

export async function startProxy(upstream: string): Promise<Proxy> {
  const p: Proxy = { host: '', faults: [], seen: [], bytesSent: new Map(), stop: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    p.seen.push({ path: req.url!, range: req.headers.range });
    const fault = p.faults.find((f) => req.url!.includes(f.match) && (f.times === undefined || f.times > 0));
    if (fault?.times !== undefined) fault.times--;
    if (fault?.status) {
      res.writeHead(fault.status, { 'content-type': 'application/json', 'retry-after': fault.retryAfter ?? '0' }).end('{"errors":[{"code":"TEST","message":"injected"}]}');
      return;
    }
    const up = request(`http://${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: upstream } }, async (ures) => {
      const headers = { ...ures.headers };
      if (fault?.body) {
        if (fault.chunked) delete headers['content-length'];
        else headers['content-length'] = String(fault.body.length);
        delete headers['docker-content-digest'];
        if (fault.contentType) headers['content-type'] = fault.contentType;
        ures.resume();
        res.writeHead(ures.statusCode!, headers).end(fault.body);
        return;
      }
      res.writeHead(ures.statusCode!, headers);
      let sent = 0;
      for await (const c of ures) {
        let chunk = Buffer.from(c as Buffer);
        if (fault?.corruptAt !== undefined && sent <= fault.corruptAt && fault.corruptAt < sent + chunk.length) chunk[fault.corruptAt - sent] ^= 0xff;
        if (fault?.cutAfter !== undefined && sent + chunk.length > fault.cutAfter) {
          res.write(chunk.subarray(0, fault.cutAfter - sent));
          delete fault.cutAfter;
          res.socket?.destroy();
          return;
        }
        if (fault?.throttle) {
          for (let i = 0; i < chunk.length; i += fault.throttle) {
            if (res.destroyed) return;
            res.write(chunk.subarray(i, i + fault.throttle));
            sent += Math.min(fault.throttle, chunk.length - i);
            p.bytesSent.set(fault.match, sent);
            await new Promise((r) => setTimeout(r, 10));
          }
          continue;
        }
        sent += chunk.length;
        res.write(chunk);
      }
      res.end();
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  p.stop = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return p;
}
