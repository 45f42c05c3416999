// The TypeScript SHA-256 against node:crypto's, and digestOf on both sides
// of the size where it hands over to node:crypto.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestOf } from '../../src/image/digest.ts';
import { sha256Hex } from '../../src/image/sha256.ts';

const reference = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256Hex', () => {
  it('matches node:crypto for every length across the padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const b = randomBytes(n);
      assert.equal(sha256Hex(b), reference(b), `length ${n}`);
    }
  });

  it('matches the FIPS 180-4 examples', () => {
    assert.equal(sha256Hex(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256Hex(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('digestOf agrees with node:crypto below and above the hand-over size', () => {
    for (const n of [1000, 64 << 10, (64 << 10) + 1, 200_000]) {
      const b = randomBytes(n);
      assert.equal(digestOf(b), `sha256:${reference(b)}`, `length ${n}`);
    }
    assert.equal(digestOf('a string'), `sha256:${reference(Buffer.from('a string'))}`);
    assert.equal(digestOf('x', 'sha512'), `sha512:${createHash('sha512').update('x').digest('hex')}`);
  });
});
