// Volume names: Docker's local-driver pattern, which also keeps every name a
// single path component under <root>/volumes; anonymous volumes get 64 hex
// digits, as Docker's.

import { InvalidArgumentError } from '../errors.ts';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkVolumeName(name: string, field = 'name'): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 255) {
    throw new InvalidArgumentError(field, `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed (at least two); to bind a host directory, give an absolute path`);
  }
  return name;
}
