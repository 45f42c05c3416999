// A real registry for tests: Debian's docker-registry on 127.0.0.1 with a
// free port and a temporary storage directory; optionally HTTPS with a CA
// made here, htpasswd basic auth, or token auth with a token server here.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const USER = 'berth';
export const PASSWORD = 's3cret-pw';

export interface TestRegistry {
  host: string;
  url: string;
  ca?: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, and a server certificate for 127.0.0.1 it signed. */
function makeTls(dir: string): { ca: string; cert: string; key: string } {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth test CA'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf'], dir);
  return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/** Distribution's token server: RS256 JWTs whose x5c certificate is in the registry's rootcertbundle. */
async function startTokenServer(dir: string, service: string, issuer: string): Promise<{ realm: string; bundle: string; server: Server }> {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.pem', '-days', '2', '-subj', '/CN=berth token signer'], dir);
  const key = readFileSync(join(dir, 'token.key'));
  const der = Buffer.from(readFileSync(join(dir, 'token.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const auth = req.headers.authorization ?? '';
    const [u, p] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
    if (u !== USER || p !== PASSWORD) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions };
    });
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] });
    const claims = b64({ iss: issuer, sub: u, aud: url.searchParams.get('service') ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
    const sig = createSign('RSA-SHA256').update(`${head}.${claims}`).sign(key).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${head}.${claims}.${sig}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { realm: `http://127.0.0.1:${port}/token`, bundle: join(dir, 'token.pem'), server };
}

export async function startRegistry(opts: { tls?: boolean; auth?: 'basic' | 'token' } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
  ];
  let ca: string | undefined;
  let tlsLine = '';
  if (opts.tls) {
    const t = makeTls(dir);
    ca = t.ca;
    tlsLine = `, tls: { certificate: ${t.cert}, key: ${t.key} }`;
  }
  lines.push(`http: { addr: 127.0.0.1:${port}, secret: test-secret${tlsLine} }`);
  let tokenServer: Server | undefined;
  if (opts.auth === 'basic') {
    const hash = execFileSync('htpasswd', ['-Bbn', USER, PASSWORD], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${hash}\n`);
    lines.push(`auth: { htpasswd: { realm: berth-test, path: ${join(dir, 'htpasswd')} } }`);
  } else if (opts.auth === 'token') {
    const t = await startTokenServer(dir, 'berth-registry', 'berth-issuer');
    tokenServer = t.server;
    lines.push(`auth: { token: { realm: "${t.realm}", service: berth-registry, issuer: berth-issuer, rootcertbundle: ${t.bundle} } }`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const host = `127.0.0.1:${port}`;
  const url = `${opts.tls ? 'https' : 'http'}://${host}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    tokenServer?.close();
    tokenServer?.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const r = request(`http://${host}/v2/`, { method: 'GET' }, (res) => {
        res.resume();
        resolve(true);
      });
      r.on('error', () => resolve(false));
      r.end();
    });
    if (up) break;
    if (i > 200) {
      await stop();
      throw new Error(`docker-registry did not come up: ${stderr}`);
    }
    await sleep(25);
  }
  return { host, url, ca, dir, stop };
}
