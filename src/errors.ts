/**
 * Typed domain errors. Services and adapters throw these; the HTTP layer maps them to status
 * codes in exactly one place (src/http/errorMapping.ts) and the worker maps them to
 * BullMQ outcomes (content errors are unrecoverable, dependency errors are retried).
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details?: unknown;

  constructor(message: string, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'bad_request';
}

/** The uploaded file's content is unusable (wrong type, corrupt, no contacts, over limits). */
export class FileContentError extends AppError {
  readonly status = 400;
  readonly code = 'invalid_file';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'rate_limited';
}

/** A dependency (database, queue, storage, records store) is down or timed out. */
export class DependencyUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'dependency_unavailable';
}
