// Container names: Docker's pattern, and a generated adjective_noun when none is given.

import { InvalidArgumentError } from '../errors.ts';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'sharp', 'steady', 'swift', 'tidy', 'vivid', 'warm', 'witty'];
const NOUNS = ['anchor', 'barge', 'buoy', 'cutter', 'dock', 'ferry', 'galley', 'harbor', 'jetty', 'keel', 'mast', 'mooring', 'pier', 'quay', 'rudder', 'schooner', 'sloop', 'tug', 'wharf', 'yawl'];

export function checkName(name: string): string {
  const n = name.replace(/^\//, '');
  if (!NAME.test(n) || n.length > 128) throw new InvalidArgumentError('--name', `"${name}" is not a valid container name: use [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters`);
  return n;
}

// A name needs no secrecy, only a retry when taken: Math.random spares loading node:crypto.
const randomInt = (n: number): number => Math.floor(Math.random() * n);

export function generateName(taken: (name: string) => boolean): string {
  for (;;) {
    const n = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}_${randomInt(1000)}`;
    if (!taken(n)) return n;
  }
}
