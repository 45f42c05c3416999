// Image errors. Each names the image, digest, entry or URL involved, so the
// caller can tell which input was bad without a debugger.

import { RuntimeError } from '../oci/errors.ts';

export class ImageError extends RuntimeError {}

/** A reference string that does not parse as [registry/]name[:tag][@digest]. */
export class InvalidReferenceError extends ImageError {
  constructor(ref: string, why: string) {
    super('EINVALIDREF', `invalid reference "${ref}": ${why}`);
  }
}

export class InvalidDigestError extends ImageError {
  constructor(digest: string, why: string) {
    super('EINVALIDDIGEST', `invalid digest "${digest}": ${why}`);
  }
}

/** Content did not hash to, or was not the size of, what its descriptor said. */
export class DigestMismatchError extends ImageError {
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, expected: string, actual: string) {
    super('EDIGEST', `${what}: digest mismatch: expected ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}

export class SizeMismatchError extends ImageError {
  constructor(what: string, expected: number, actual: number) {
    super('ESIZE', `${what}: size mismatch: expected ${expected} bytes, got ${actual}${actual < expected ? ' (truncated)' : ''}`);
  }
}

export class BlobNotFoundError extends ImageError {
  constructor(digest: string, where = 'content store') {
    super('ENOTFOUND', `blob ${digest} not found in ${where}`);
  }
}

export class ImageNotFoundError extends ImageError {
  constructor(name: string) {
    super('ENOTFOUND', `image "${name}" not found`);
  }
}

/** A manifest, index or config that is malformed, of the wrong media type, or too large. */
export class ManifestError extends ImageError {
  constructor(what: string, why: string) {
    super('EMANIFEST', `${what}: ${why}`);
  }
}

export class PlatformNotFoundError extends ImageError {
  constructor(image: string, wanted: string, available: string[]) {
    super('EPLATFORM', `${image}: no manifest for platform ${wanted} (available: ${available.join(', ') || 'none'})`);
  }
}

/** A registry answered with an error status, or could not be reached. */
export class RegistryError extends ImageError {
  readonly status: number;
  constructor(url: string, status: number, detail: string) {
    super(status === 401 || status === 403 ? 'EAUTH' : status === 404 ? 'ENOTFOUND' : 'EREGISTRY',
      `${url}: ${status ? `HTTP ${status}` : 'request failed'}${detail ? `: ${detail}` : ''}`);
    this.status = status;
  }
}

/** A tar entry that is malformed or would write outside the unpack target. `where` names the layer (and its image). */
export class UnsafeEntryError extends ImageError {
  readonly entry: string;
  constructor(where: string, entry: string, why: string) {
    super('EUNSAFE', `${where}: entry "${entry}": ${why}`);
    this.entry = entry;
  }
}

/** Unpacking a layer failed for a reason of the host (disk full, permissions...). */
export class UnpackError extends ImageError {
  constructor(where: string, entry: string, why: string, options?: { cause?: unknown }) {
    super('EUNPACK', `${where}: entry "${entry}": ${why}`, options);
  }
}

/** Writing to the store failed for a reason of the host (disk full, permissions...). */
export class StorageError extends ImageError {
  constructor(what: string, cause: Error) {
    super('ESTORAGE', `${what}: ${cause.message}`, { cause });
  }
}

/** A failed file operation's error (it has a syscall) as a StorageError naming what was being written; other errors as they are. */
export function asStorageError(what: string, e: unknown): unknown {
  return e instanceof Error && !(e instanceof ImageError) && typeof (e as NodeJS.ErrnoException).syscall === 'string' ? new StorageError(what, e) : e;
}

export class TarFormatError extends ImageError {
  constructor(where: string, why: string) {
    super('ETAR', `${where}: ${why}`);
  }
}

export class ArchiveError extends ImageError {
  constructor(path: string, why: string) {
    super('EARCHIVE', `${path}: ${why}`);
  }
}

export class SnapshotError extends ImageError {
  constructor(key: string, why: string, options?: { cause?: unknown }) {
    super('ESNAPSHOT', `snapshot ${key}: ${why}`, options);
  }
}

/** Content past a limit that keeps hostile input from filling the host (a gzip bomb, millions of entries). */
export class LimitError extends ImageError {
  readonly limit: string;
  constructor(what: string, why: string, limit: string) {
    super('ELIMIT', `${what}: ${why} (the ${limit} limit; raise it if this content is expected)`);
    this.limit = limit;
  }
}

/** A --change (Dockerfile instruction) for import or commit that does not parse or is not supported. */
export class InvalidChangeError extends ImageError {
  constructor(change: string, why: string) {
    super('EINVAL', `change ${JSON.stringify(change)}: ${why}`);
  }
}

/** A container's changes that cannot be read as a layer (an overlay feature that keeps data elsewhere). */
export class DiffError extends ImageError {
  constructor(path: string, why: string) {
    super('EDIFF', `${path}: ${why}`);
  }
}
