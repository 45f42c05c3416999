// Docker's detach keys: "ctrl-p,ctrl-q" by default; each key a character or
// ctrl-<a-z, @, [, \, ], ^, _>. The relay watches stdin for the sequence and
// forwards every byte that turns out not to be part of it.

import { InvalidArgumentError } from '../../engine/errors.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

export function parseDetachKeys(text: string, flag = '--detach-keys'): Buffer {
  if (text === '') throw new InvalidArgumentError(flag, 'is empty');
  return Buffer.from(text.split(',').map((k) => {
    if (k.length === 1) return k.charCodeAt(0);
    const m = /^ctrl-(.)$/i.exec(k);
    if (m) {
      const c = m[1].toLowerCase();
      if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96;
      const special = '@[\\]^_'.indexOf(c);
      if (special >= 0) return special === 0 ? 0 : 26 + special;
    }
    throw new InvalidArgumentError(flag, `"${k}" is not a key (a character, or ctrl- and one of a-z @ [ \\ ] ^ _)`);
  }));
}

/** Finds the detach sequence in a stream of chunks; bytes held as a possible start of it are forwarded once it cannot be. */
export class DetachMatcher {
  private readonly keys: Buffer;
  private held: number[] = [];
  constructor(keys: Buffer) {
    this.keys = keys;
  }

  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      this.held.push(b);
      while (this.held.length && !this.held.every((h, i) => h === this.keys[i])) out.push(this.held.shift()!);
      if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detach: true };
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
