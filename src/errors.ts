/**
 * Typed domain errors. Services and adapters throw these; the HTTP layer maps them to status
 * codes in exactly one place (src/http/errorMapping.ts) and the worker maps them to
 * BullMQ outcomes (content errors are unrecoverable, dependency errors are retried).
 */
export abstract class AppError extends Error {
  /** The HTTP status this error maps to when it reaches a client. */
  abstract readonly status: number;
  /** Stable machine-readable code, sent as `error.code` in every JSON error body. */
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

/** An `Idempotency-Key` the same user already used (the upload service decides replay vs 409). */
export class IdempotencyKeyTakenError extends ConflictError {}

/** Which system a `DependencyUnavailableError` is about (drives user messages and metrics). */
export type Dependency = 'database' | 'queue' | 'storage' | 'records' | 'auth-keys';

export interface DependencyErrorOptions extends ErrorOptions {
  dependency?: Dependency;
}

/** A dependency (database, queue, storage, records store) is down or timed out. */
export class DependencyUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'dependency_unavailable';
  readonly dependency: Dependency | undefined;

  constructor(message: string, details?: unknown, options?: DependencyErrorOptions) {
    super(message, details, options);
    this.dependency = options?.dependency;
  }
}

/**
 * Internal control flow, never sent to a client: the batch a job works on was deleted or retried
 * (its attempt fenced out) while the job ran, so the job stops and cleans up what it wrote.
 */
export class BatchSupersededError extends AppError {
  readonly status = 409;
  readonly code = 'batch_superseded';
}

/**
 * Internal control flow, never sent to a client: the batch's file is in a store this worker is
 * not configured with (a mixed deployment), so the job is left for a worker that has it.
 */
export class ForeignStoreError extends AppError {
  readonly status = 409;
  readonly code = 'foreign_store';

  constructor(
    readonly batchStore: string,
    readonly ownStore: string,
  ) {
    super(`the batch's file is in ${batchStore}; this worker has ${ownStore}`);
  }
}

/**
 * The storage volume has no space (ENOSPC) or the service's quota is used up (EDQUOT). 507: the
 * request was fine and may succeed later, once space is freed; nothing of it was kept.
 */
export class StorageFullError extends AppError {
  readonly status = 507;
  readonly code = 'storage_full';
}

/** Startup configuration is invalid; one problem per bad variable. The process exits 78. */
export class ConfigError extends AppError {
  readonly status = 500;
  readonly code = 'config_invalid';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * A webhook URL the SSRF guard refuses: its scheme, or an address it resolves to (loopback,
 * private, link-local...). At registration it is the client's 400; at delivery, a failed attempt.
 */
export class WebhookTargetRefusedError extends AppError {
  readonly status = 400;
  readonly code = 'webhook_target_refused';
}

/** The user already has the most webhook endpoints allowed (WEBHOOK_MAX_ENDPOINTS_PER_USER). */
export class WebhookLimitError extends AppError {
  readonly status = 409;
  readonly code = 'webhook_limit_reached';
}
