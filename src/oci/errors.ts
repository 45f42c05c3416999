// Typed errors. Each names what was wrong (a config field, a path, a state)
// so a user of the CLI or the library can act on it.

export class RuntimeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** config.json does not satisfy the runtime-spec; field is a JSON path such as linux.namespaces[2].type. */
export class ConfigError extends RuntimeError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('EINVALIDCONFIG', `config.json: ${field}: ${message}`);
    this.field = field;
  }
}

/** A library option the caller passed is unusable; option is its name, such as monitor.logPath. */
export class OptionError extends RuntimeError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('EINVALIDOPTION', `${option}: ${message}`);
    this.option = option;
  }
}

export class NotFoundError extends RuntimeError {
  constructor(message: string) {
    super('ENOTFOUND', message);
  }
}

export class ConflictError extends RuntimeError {
  constructor(message: string) {
    super('ECONFLICT', message);
  }
}

/** The operation is not allowed in the container's current status. */
export class StateError extends RuntimeError {
  constructor(message: string) {
    super('ESTATE', message);
  }
}

export class UsageError extends RuntimeError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

/** A step of the executor's plan failed inside the container's set-up. */
export class StepError extends RuntimeError {
  readonly step: number;
  readonly op: string;
  readonly errno: number;
  constructor(step: number, op: string, errno: number, detail: string) {
    super('ESTEP', `${detail}${errno ? `: ${errnoName(errno)}` : ''} (step ${step}, ${op})`);
    this.step = step;
    this.op = op;
    this.errno = errno;
  }
}

export class HookError extends RuntimeError {
  constructor(kind: string, index: number, message: string) {
    super('EHOOK', `${kind} hook #${index}: ${message}`);
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM: operation not permitted',
  2: 'ENOENT: no such file or directory',
  3: 'ESRCH: no such process',
  4: 'EINTR: interrupted system call',
  5: 'EIO: input/output error',
  9: 'EBADF: bad file descriptor',
  12: 'ENOMEM: cannot allocate memory',
  13: 'EACCES: permission denied',
  16: 'EBUSY: device or resource busy',
  17: 'EEXIST: file exists',
  19: 'ENODEV: no such device',
  20: 'ENOTDIR: not a directory',
  21: 'EISDIR: is a directory',
  22: 'EINVAL: invalid argument',
  28: 'ENOSPC: no space left on device',
  30: 'EROFS: read-only file system',
  32: 'EPIPE: broken pipe',
  36: 'ENAMETOOLONG: file name too long',
  38: 'ENOSYS: function not implemented',
  40: 'ELOOP: too many levels of symbolic links',
  95: 'EOPNOTSUPP: operation not supported',
  110: 'ETIMEDOUT: timed out',
  111: 'ECONNREFUSED: connection refused',
  18: 'EXDEV: invalid cross-device link',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
