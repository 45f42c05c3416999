// Content digests (image-spec "digests"): algorithm:encoded, sha256 and sha512.

import type { Hash } from 'node:crypto';
import { InvalidDigestError } from './errors.ts';
import { sha256Hex } from './sha256.ts';

// node:crypto is loaded on first use (10-20 ms under Node, 3-4 under Bun): a
// berth command that only reads a manifest and a config from the store hashes
// them in TypeScript, or with Bun's own hasher where Bun runs the CLI (no
// module to load; the TypeScript one runs cold there, ~1 ms a digest).
const crypto = () => process.getBuiltinModule('node:crypto');

interface BunHasher {
  update(data: Uint8Array): BunHasher;
  digest(encoding: 'hex'): string;
}
const BunCryptoHasher = (globalThis as { Bun?: { CryptoHasher: new (algorithm: string) => BunHasher } }).Bun?.CryptoHasher;

/** Up to this many bytes, sha256 is computed in TypeScript (sha256.ts). */
const SMALL = 64 << 10;

const ENCODED: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export type Algorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: Algorithm;
  encoded: string;
}

export function parseDigest(digest: string): ParsedDigest {
  const colon = digest.indexOf(':');
  if (colon <= 0) throw new InvalidDigestError(digest, 'expected algorithm:encoded');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const re = ENCODED[algorithm];
  if (!re) throw new InvalidDigestError(digest, `unsupported algorithm "${algorithm}" (sha256, sha512)`);
  if (!re.test(encoded)) throw new InvalidDigestError(digest, `not a lowercase hex ${algorithm} value`);
  return { algorithm: algorithm as Algorithm, encoded };
}

export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

export function hasher(algorithm: Algorithm = 'sha256'): Hash {
  return crypto().createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: Algorithm = 'sha256'): string {
  if (algorithm === 'sha256') {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length <= SMALL) return `sha256:${BunCryptoHasher ? new BunCryptoHasher('sha256').update(bytes).digest('hex') : sha256Hex(bytes)}`;
  }
  return `${algorithm}:${crypto().createHash(algorithm).update(data).digest('hex')}`;
}

/** The image-spec chain ID of a layer stack: each layer's identity includes all below it. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : digestOf(`${out[out.length - 1]} ${d}`));
  return out;
}
