// Registry authentication: the WWW-Authenticate challenge flow (Basic, or
// Bearer with a token from the realm, distribution's token spec), with
// credentials from a docker-style config.json.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '../errors.ts';
import { readBody, send, type TlsOptions } from './http.ts';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker login's identitytoken). */
  identityToken?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (several challenges allowed). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : header ? [header] : []) {
    const tok = /\s*(?:([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))|([\w-]+))\s*,?/y;
    let m: RegExpExecArray | null;
    while (tok.lastIndex < h.length && (m = tok.exec(h))) {
      if (m[4]) out.push({ scheme: m[4].toLowerCase(), params: {} });
      else if (out.length) out[out.length - 1].params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    }
  }
  return out;
}

/** Looks a registry up in a docker config.json (DOCKER_CONFIG, or ~/.docker/config.json). */
export function credentialsFromDockerConfig(registry: string, file?: string): Credentials | undefined {
  const path = file ?? join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  if (!existsSync(path)) return undefined;
  const cfg = JSON.parse(readFileSync(path, 'utf8')) as { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }> };
  const keys = registry === 'docker.io' ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [registry, `https://${registry}`, `http://${registry}`];
  for (const [k, v] of Object.entries(cfg.auths ?? {})) {
    const host = k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!keys.includes(k) && !keys.includes(host)) continue;
    if (v.identitytoken) return { identityToken: v.identitytoken };
    if (v.auth) {
      const dec = Buffer.from(v.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      return { username: dec.slice(0, i), password: dec.slice(i + 1) };
    }
    if (v.username) return { username: v.username, password: v.password };
  }
  return undefined;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/** Gets a bearer token for the scopes from the challenge's realm. */
export async function fetchToken(ch: Challenge, scopes: string[], creds: Credentials | undefined, tls: TlsOptions | undefined): Promise<{ token: string; expiresAt: number }> {
  const realm = ch.params.realm;
  if (!realm) throw new RegistryError('(token)', 401, 'Bearer challenge without a realm');
  const url = new URL(realm);
  if (ch.params.service) url.searchParams.set('service', ch.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = { accept: 'application/json' };
  let res;
  if (creds?.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: ch.params.service ?? '', scope: scopes.join(' '), client_id: 'berth' });
    res = await send({ method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), tls });
  } else {
    if (creds?.username) headers.authorization = basicHeader(creds);
    res = await send({ url: url.toString(), headers, tls });
  }
  const body = await readBody(res, 1 << 20);
  if (res.status !== 200) throw new RegistryError(realm, res.status, `token request refused${body.length ? `: ${body.toString().slice(0, 200)}` : ''}`);
  const j = JSON.parse(body.toString()) as { token?: string; access_token?: string; expires_in?: number };
  const token = j.token ?? j.access_token;
  if (!token) throw new RegistryError(realm, res.status, 'token response has no token');
  return { token, expiresAt: Date.now() + Math.max(60, j.expires_in ?? 60) * 1000 - 10_000 };
}
