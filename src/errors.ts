/**
 * Typed domain errors. Services and adapters throw these; the HTTP layer maps them to status
 * codes in exactly one place (src/http/errorMapping.ts) and the worker maps them to
 * BullMQ outcomes (content errors are unrecoverable, dependency errors are retried).
 *
 * Two families: `AppError`s are answers a client may see (each has its HTTP status and code);
 * the internal errors at the end of this file are control flow or start-up failures that never
 * reach a client, so they carry no status.
 */
export interface AppErrorOptions {
  /** Sent to the client as `error.details`: only what it may see (field names, limits). */
  details?: unknown;
  /** The underlying error, for logs only; never sent. */
  cause?: unknown;
}

export abstract class AppError extends Error {
  /** The HTTP status this error maps to when it reaches a client. */
  abstract readonly status: number;
  /** Stable machine-readable code, sent as `error.code` in every JSON error body. */
  abstract readonly code: string;
  readonly details?: unknown;
  /** Sent as `Retry-After` (seconds) when set: the request can succeed as it is, a bit later. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
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

/** Authenticated or not, this request may not use this route (e.g. the dev route off loopback). */
export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
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

/** This user already has as many previews in progress in this process as allowed (429). */
export class TooManyPreviewsError extends RateLimitedError {
  override readonly retryAfterSeconds = 2;
}

/** This API process parses as many previews as it was configured for; another can take it (503). */
export class PreviewsBusyError extends AppError {
  readonly status = 503;
  readonly code = 'previews_busy';
  override readonly retryAfterSeconds = 2;
}

/** An `Idempotency-Key` the same user already used (the upload service decides replay vs 409). */
export class IdempotencyKeyTakenError extends ConflictError {}

/** Which system a `DependencyUnavailableError` is about (drives user messages and metrics). */
export type Dependency = 'database' | 'queue' | 'storage' | 'records' | 'auth-keys';

export interface DependencyErrorOptions extends AppErrorOptions {
  dependency?: Dependency;
}

/** A dependency (database, queue, storage, records store) is down or timed out. */
export class DependencyUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'dependency_unavailable';
  readonly dependency: Dependency | undefined;

  constructor(message: string, options: DependencyErrorOptions = {}) {
    super(message, options);
    this.dependency = options.dependency;
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

// ---- Internal: never sent to a client, so no HTTP status.

/**
 * Internal control flow, never sent to a client: the batch a job works on was deleted or retried
 * (its attempt fenced out) while the job ran, so the job stops and cleans up what it wrote.
 */
export class BatchSupersededError extends Error {
  override readonly name = 'BatchSupersededError';
}

/**
 * Internal control flow, never sent to a client: every row of the batch is written, but an
 * earlier batch of the same user is still loading and may yet write a contact this batch has,
 * so its knownContacts cannot be counted yet. The job is put back (src/worker/knownCountWait.ts)
 * instead of holding a worker slot while it waits; the batch stays `parsed`.
 */
export class KnownContactsPendingError extends Error {
  override readonly name = 'KnownContactsPendingError';
}

/**
 * Internal control flow, never sent to a client: the batch's file is in a store this worker is
 * not configured with (a mixed deployment), so the job is left for a worker that has it.
 */
export class ForeignStoreError extends Error {
  override readonly name = 'ForeignStoreError';

  constructor(
    readonly batchStore: string,
    readonly ownStore: string,
  ) {
    super(`the batch's file is in ${batchStore}; this worker has ${ownStore}`);
  }
}

/** Startup configuration is invalid; one problem per bad variable. The process exits 78. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

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
