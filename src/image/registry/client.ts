// A distribution-spec client: manifests and blobs, pull and push, with the
// auth challenge flow, retries with backoff, resumable blob reads and mirrors.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { INDEX_TYPES, MANIFEST_TYPES, MediaType } from '../../oci/image-spec.ts';
import { ManifestError, RegistryError } from '../errors.ts';
import { MAX_MANIFEST } from '../manifest.ts';
import type { Reference } from '../reference.ts';
import { basicHeader, credentialsFromDockerConfig, fetchToken, parseChallenges, type Credentials } from './auth.ts';
import { discard, readBody, send, type Response, type TlsOptions } from './http.ts';

export interface HostOptions {
  /**
   * Speak plain HTTP (docker's insecure-registries). Unset, a loopback
   * registry (see plainByDefault) speaks it unless it has TLS options; false
   * asks for HTTPS there too.
   */
  plainHttp?: boolean;
  tls?: TlsOptions;
  credentials?: Credentials;
  /**
   * Base URLs (scheme://host[:port], /v2/ is appended) tried in order before
   * the registry itself when pulling. A mirror's own TLS options and
   * credentials are those given for its host, never the upstream's.
   */
  mirrors?: string[];
}

export interface ClientOptions {
  hosts?: Record<string, HostOptions>;
  /** A docker config.json for credentials of hosts without explicit ones. */
  authFile?: string;
  retries?: number;
  backoffMs?: number;
}

/**
 * Docker's default insecure range: a registry on 127.0.0.0/8, or named
 * localhost (taken as loopback, as it resolves there, without asking the
 * resolver), is this machine's own and speaks plain HTTP without a flag.
 * Any other host needs --insecure-registry (plainHttp).
 */
export function plainByDefault(registry: string): boolean {
  let host: string;
  try {
    host = new URL(`http://${registry}`).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || (process.getBuiltinModule('node:net').isIPv4(host) && host.split('.')[0] === '127');
}

export const MANIFEST_ACCEPT = [...MANIFEST_TYPES, ...INDEX_TYPES].join(', ');
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** A mirror that could not be reached is left alone this long: a dead one then costs one failed connection, not one per blob. */
const MIRROR_DOWN_MS = 60_000;

type Action = 'pull' | 'push';

interface Call {
  registry: string;
  repo: string;
  actions: Action[];
  method?: string;
  /** Path under /v2/, or an absolute URL (an upload location). */
  path: string;
  headers?: Record<string, string>;
  body?: () => Buffer | Readable;
  /** Also allowed: the statuses the caller handles itself. */
  ok: number[];
  /** Extra scopes, e.g. the source repository of a cross-repo mount. */
  scopes?: string[];
  mirror?: boolean;
  retryable?: boolean;
}

export class RegistryClient {
  private readonly opts: ClientOptions;
  private readonly tokens = new Map<string, { header: string; expiresAt: number }>();
  private readonly basic = new Set<string>();
  private readonly mirrorDownUntil = new Map<string, number>();

  constructor(opts: ClientOptions = {}) {
    this.opts = opts;
  }

  private host(registry: string): HostOptions {
    return this.opts.hosts?.[registry] ?? {};
  }

  private creds(registry: string): Credentials | undefined {
    return this.host(registry).credentials ?? credentialsFromDockerConfig(registry, this.opts.authFile);
  }

  base(registry: string): string {
    if (registry === 'docker.io') return 'https://registry-1.docker.io';
    const h = this.host(registry);
    const plain = h.plainHttp ?? (!h.tls && plainByDefault(registry));
    return `${plain ? 'http' : 'https'}://${registry}`;
  }

  private async call(c: Call): Promise<Response> {
    for (const m of c.mirror ? this.host(c.registry).mirrors ?? [] : []) {
      const base = m.replace(/\/+$/, '');
      if ((this.mirrorDownUntil.get(base) ?? 0) > Date.now()) continue;
      try {
        // One attempt per mirror: the upstream is the retry, as in containerd's host list.
        return await this.callAt(base, new URL(base).host, { ...c, retryable: false });
      } catch (e) {
        if (e instanceof RegistryError && e.status === 0) this.mirrorDownUntil.set(base, Date.now() + MIRROR_DOWN_MS);
      }
    }
    return this.callAt(this.base(c.registry), c.registry, c);
  }

  /** hostKey names the host whose TLS options and credentials apply (the registry, or a mirror's host). */
  private async callAt(base: string, hostKey: string, c: Call): Promise<Response> {
    const retries = c.retryable === false ? 0 : this.opts.retries ?? 4;
    const backoff = this.opts.backoffMs ?? 250;
    const scopes = [`repository:${c.repo}:${c.actions.join(',')}`, ...(c.scopes ?? [])];
    const authKey = `${base}|${scopes.join(' ')}`;
    let url = /^https?:/.test(c.path) ? c.path : `${base}/v2/${c.path}`;
    const tls = this.host(hostKey).tls;
    let authTried = false;
    for (let attempt = 0, redirects = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': 'berth/0.1', ...c.headers };
      const sameHost = new URL(url).host === new URL(base).host;
      const tok = this.tokens.get(authKey);
      if (sameHost && tok && tok.expiresAt > Date.now()) headers.authorization = tok.header;
      else if (sameHost && this.basic.has(base)) headers.authorization = basicHeader(this.creds(hostKey) ?? {});
      let res: Response;
      try {
        res = await send({ method: c.method, url, headers, body: c.body?.(), tls });
      } catch (e) {
        if (attempt++ < retries) {
          await sleep(backoff * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        throw e;
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location && redirects++ < 5) {
        await discard(res);
        url = new URL(String(res.headers.location), url).toString();
        continue;
      }
      if (res.status === 401 && !authTried && sameHost) {
        authTried = true;
        const challenges = parseChallenges(res.headers['www-authenticate']);
        await discard(res);
        const creds = this.creds(hostKey);
        const bearer = challenges.find((ch) => ch.scheme === 'bearer');
        const basicCh = challenges.find((ch) => ch.scheme === 'basic');
        if (bearer) {
          const t = await fetchToken(bearer, scopes, creds, tls);
          this.tokens.set(authKey, { header: `Bearer ${t.token}`, expiresAt: t.expiresAt });
          continue;
        }
        if (basicCh && creds) {
          this.basic.add(base);
          continue;
        }
        throw new RegistryError(url, 401, creds ? 'authentication failed' : 'authentication required (no credentials for this registry)');
      }
      if (c.ok.includes(res.status)) return res;
      const detail = await errorDetail(res);
      if (RETRY_STATUS.has(res.status) && attempt++ < retries) {
        const after = Number(res.headers['retry-after']);
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : backoff * 2 ** attempt * (0.5 + Math.random()));
        continue;
      }
      if (res.status === 401) throw new RegistryError(url, 401, detail || 'authentication failed');
      throw new RegistryError(url, res.status, detail);
    }
  }

  /** Fetches a manifest or index by tag or digest. */
  async getManifest(ref: Reference, reference = ref.digest ?? ref.tag ?? 'latest'): Promise<{ data: Buffer; mediaType: string; digest?: string }> {
    const res = await this.call({
      registry: ref.registry, repo: ref.repository, actions: ['pull'], path: `${ref.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT }, ok: [200], mirror: true,
    });
    const tooLarge = (size: string): ManifestError => new ManifestError(`manifest ${res.url}`, `${size} is larger than the ${MAX_MANIFEST}-byte limit`);
    const len = Number(res.headers['content-length']);
    if (len > MAX_MANIFEST) {
      res.body.destroy();
      throw tooLarge(`${len} bytes`);
    }
    // Without a Content-Length the limit is enforced while reading; readBody's overflow is its only RegistryError.
    const data = await readBody(res, MAX_MANIFEST).catch((e: unknown) => {
      throw e instanceof RegistryError ? tooLarge('the body') : e;
    });
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim() || MediaType.ociManifest;
    const digest = res.headers['docker-content-digest'] as string | undefined;
    return { data, mediaType, digest };
  }

  /**
   * A blob's bytes from offset. A connection that breaks mid-blob is resumed
   * with a Range request from where it stopped, so callers see one stream.
   */
  async *blob(ref: Reference, digest: string, offset = 0): AsyncGenerator<Buffer> {
    let pos = offset;
    let failures = 0;
    const retries = this.opts.retries ?? 4;
    for (;;) {
      const res = await this.call({
        registry: ref.registry, repo: ref.repository, actions: ['pull'], path: `${ref.repository}/blobs/${digest}`,
        headers: pos > 0 ? { range: `bytes=${pos}-` } : {}, ok: [200, 206], mirror: true,
      });
      // A server that ignores Range sends the whole blob: skip what we have.
      let skip = pos > 0 && res.status === 200 ? pos : 0;
      try {
        for await (const c of res.body) {
          let chunk = c as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (!chunk.length) continue;
          }
          pos += chunk.length;
          failures = 0;
          yield chunk;
        }
        if (res.body.readableAborted || !res.body.complete) throw new Error('connection closed before the blob was complete');
        return;
      } catch (e) {
        res.body.destroy();
        if (++failures > retries) throw new RegistryError(res.url, res.status, `reading blob ${digest} at byte ${pos}: ${(e as Error).message}`);
        await sleep((this.opts.backoffMs ?? 250) * 2 ** failures);
      }
    }
  }

  async hasBlob(ref: Reference, digest: string): Promise<boolean> {
    const res = await this.call({
      registry: ref.registry, repo: ref.repository, actions: ['pull', 'push'], method: 'HEAD', path: `${ref.repository}/blobs/${digest}`, ok: [200, 404],
    });
    await discard(res);
    return res.status === 200;
  }

  /** Cross-repository mount: true if the registry linked the blob without an upload. */
  async mountBlob(ref: Reference, digest: string, fromRepo: string): Promise<boolean> {
    const res = await this.call({
      registry: ref.registry, repo: ref.repository, actions: ['pull', 'push'], method: 'POST',
      path: `${ref.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`,
      scopes: [`repository:${fromRepo}:pull`], ok: [201, 202], headers: { 'content-length': '0' },
    });
    await discard(res);
    if (res.status === 202 && res.headers.location) {
      // Not mounted: the registry opened an upload session instead; cancel it.
      const loc = new URL(String(res.headers.location), res.url).toString();
      await this.call({ registry: ref.registry, repo: ref.repository, actions: ['pull', 'push'], method: 'DELETE', path: loc, ok: [204, 404, 200, 202], retryable: false })
        .then(discard, () => undefined);
    }
    return res.status === 201;
  }

  /**
   * Uploads a blob: one PUT (monolithic), or PATCHes of chunkSize bytes then a
   * closing PUT (chunked). open(start, end) gives bytes [start, end).
   */
  async uploadBlob(ref: Reference, digest: string, size: number, open: (start: number, end: number) => Readable, chunkSize?: number): Promise<void> {
    const scope = { registry: ref.registry, repo: ref.repository, actions: ['pull', 'push'] as Action[] };
    const start = await this.call({ ...scope, method: 'POST', path: `${ref.repository}/blobs/uploads/`, ok: [202], headers: { 'content-length': '0' } });
    await discard(start);
    let location = new URL(String(start.headers.location), start.url).toString();
    const withDigest = (loc: string): string => {
      const u = new URL(loc);
      u.searchParams.set('digest', digest);
      return u.toString();
    };
    if (!chunkSize || size <= chunkSize) {
      const res = await this.call({
        ...scope, method: 'PUT', path: withDigest(location), ok: [201], retryable: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: () => open(0, size),
      });
      await discard(res);
      return;
    }
    for (let off = 0; off < size; off += chunkSize) {
      const end = Math.min(size, off + chunkSize);
      const res = await this.call({
        ...scope, method: 'PATCH', path: location, ok: [202], retryable: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - off), 'content-range': `${off}-${end - 1}` },
        body: () => open(off, end),
      });
      await discard(res);
      location = new URL(String(res.headers.location), res.url).toString();
    }
    const res = await this.call({ ...scope, method: 'PUT', path: withDigest(location), ok: [201], retryable: false, headers: { 'content-length': '0' } });
    await discard(res);
  }

  async putManifest(ref: Reference, reference: string, data: Buffer, mediaType: string): Promise<string | undefined> {
    const res = await this.call({
      registry: ref.registry, repo: ref.repository, actions: ['pull', 'push'], method: 'PUT', path: `${ref.repository}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(data.length) }, body: () => data, ok: [201, 200],
    });
    await discard(res);
    return res.headers['docker-content-digest'] as string | undefined;
  }
}

/** The registry's own explanation ({"errors":[{"code","message"}]}), if any. */
async function errorDetail(res: Response): Promise<string> {
  try {
    const body = (await readBody(res, 64 << 10)).toString('utf8');
    try {
      const j = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
      if (j.errors?.length) return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      // not JSON
    }
    return body.trim().slice(0, 200);
  } catch {
    return '';
  }
}
