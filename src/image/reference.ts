// Image references with Docker's normalisation: "busybox" is
// docker.io/library/busybox:latest, "localhost:5000/a/b@sha256:..." keeps its
// registry and digest. Grammar from distribution's reference package.

import { InvalidReferenceError } from './errors.ts';
import { parseDigest } from './digest.ts';

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_REGISTRY = 'index.docker.io';
const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const MAX_NAME = 255;

export interface Reference {
  /** Registry host[:port], e.g. docker.io, localhost:5000. */
  registry: string;
  /** Repository path within the registry, e.g. library/busybox. */
  repository: string;
  tag?: string;
  digest?: string;
}

function isDomain(s: string): boolean {
  if (s === 'localhost') return true;
  if (!s.includes('.') && !s.includes(':')) return false;
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return false;
  if (m[1].startsWith('[')) return true;
  return m[1].split('.').every((l) => DOMAIN_LABEL.test(l));
}

/** Parses and normalises; a reference with neither tag nor digest gets :latest. */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): Reference {
  if (!input) throw new InvalidReferenceError(input, 'empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (e) {
      throw new InvalidReferenceError(input, (e as Error).message);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `invalid tag "${tag}"`);
  }
  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0 && isDomain(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    path = rest.slice(slash + 1);
  }
  if (registry === LEGACY_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = `library/${path}`;
  if (!path) throw new InvalidReferenceError(input, 'missing repository name');
  if (path !== path.toLowerCase()) throw new InvalidReferenceError(input, 'repository name must be lowercase');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw new InvalidReferenceError(input, `invalid path component "${c}"`);
  }
  if (registry.length + 1 + path.length > MAX_NAME) throw new InvalidReferenceError(input, `name longer than ${MAX_NAME} characters`);
  if (!tag && !digest && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { registry, repository: path, tag, digest };
}

/** registry/repository, the name without tag or digest. */
export function repoName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

export function formatReference(ref: Reference): string {
  return `${repoName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Docker's short form: busybox:latest rather than docker.io/library/busybox:latest. */
export function familiarName(ref: Reference): string {
  let name = repoName(ref);
  if (ref.registry === DEFAULT_REGISTRY) name = ref.repository.startsWith('library/') ? ref.repository.slice(8) : ref.repository;
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
