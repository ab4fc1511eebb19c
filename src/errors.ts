/** Field-level problem reported with a 400, in the shape `{ path, message }`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base error: every error rodizio raises on purpose carries a stable string `code`. */
export class RodizioError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RodizioError';
    this.code = code;
  }
}

/** The input does not match the schema; `issues` name the offending fields. */
export class ValidationError extends RodizioError {
  readonly issues: FieldIssue[];

  constructor(message: string, issues: FieldIssue[] = [], options?: { cause?: unknown }) {
    super('invalid_request', message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class NotFoundError extends RodizioError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

export class UnauthorizedError extends RodizioError {
  constructor(message = 'missing or unknown bearer token') {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends RodizioError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

/** Same id, different content: the caller reused an id for a different request. */
export class ConflictError extends RodizioError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'ConflictError';
  }
}

/**
 * The token has left `pending`. It carries the recorded state (the token and, when there is one, its reentry) so the
 * 409 shows callers the answer that won.
 */
export class NotPendingError<T = unknown, R = unknown> extends RodizioError {
  readonly status: string;
  readonly token: T;
  readonly reentry: R | undefined;

  constructor(tokenId: string, status: string, recorded: { token: T; reentry?: R }, verb?: string) {
    super(
      'not_pending',
      verb ? `cannot ${verb} token ${tokenId}: it is already ${status}` : `token ${tokenId} is ${status}, not pending`,
    );
    this.name = 'NotPendingError';
    this.status = status;
    this.token = recorded.token;
    this.reentry = recorded.reentry;
  }
}

export class MethodNotAllowedError extends RodizioError {
  readonly allow: string[];

  constructor(method: string | undefined, path: string, allow: string[]) {
    super('method_not_allowed', `${method ?? 'this method'} is not allowed on ${path}`);
    this.name = 'MethodNotAllowedError';
    this.allow = allow;
  }
}

/** A Slack request whose signature or timestamp does not check out (401 without a Bearer challenge). */
export class InvalidSignatureError extends RodizioError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_signature', message, options);
    this.name = 'InvalidSignatureError';
  }
}

/** Not ready yet (the sandbox while the bridge starts); the caller may retry shortly. */
export class UnavailableError extends RodizioError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'UnavailableError';
  }
}

export class PayloadTooLargeError extends RodizioError {
  constructor(limit: number) {
    super('payload_too_large', `request body is larger than ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends RodizioError {
  constructor(got: string | undefined) {
    super('unsupported_media_type', `expected Content-Type application/json, got ${got ?? 'none'}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** The database was written by a newer rodizio than this one. */
export class SchemaTooNewError extends RodizioError {
  constructor(found: number, known: number, file: string) {
    super(
      'schema_too_new',
      `database ${file} is at schema version ${found}, but this rodizio only knows up to ${known}: upgrade rodizio or point RODIZIO_DB elsewhere`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Start-up configuration is invalid; the message names the variable. */
export class ConfigError extends RodizioError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_config', message, options);
    this.name = 'ConfigError';
  }
}
