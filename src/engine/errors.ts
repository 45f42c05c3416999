// The engine's errors: typed by what went wrong, so the CLI maps them to
// Docker's exit codes (125: berth itself failed) and a future API to HTTP
// statuses (404, 409, 400) without parsing messages.

export type EngineErrorKind = 'NotFound' | 'Conflict' | 'InvalidArgument' | 'Internal';

export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  constructor(kind: EngineErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = `${kind}Error`;
  }
}

export class NotFoundError extends EngineError {
  constructor(what: string, name: string) {
    super('NotFound', `no such ${what}: ${name}`);
  }
}

export class ConflictError extends EngineError {
  constructor(message: string) {
    super('Conflict', message);
  }
}

/** Bad input: names the flag or field (`--memory`, `mounts[1].target`). */
export class InvalidArgumentError extends EngineError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('InvalidArgument', `${field}: ${message}`);
    this.field = field;
  }
}

/** The process could not be started: Docker's exit code 127 (not found) or 126 (cannot be invoked). */
export class ExecFailedError extends InvalidArgumentError {
  readonly exitCode: 126 | 127;
  constructor(field: string, message: string, exitCode: 126 | 127) {
    super(field, message);
    this.exitCode = exitCode;
  }
}
