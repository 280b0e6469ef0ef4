import { isCassandraAvailabilityError } from '../db/cassandraErrors.js';
import { isPostgresAvailabilityError } from '../db/postgresErrors.js';
import { AppError, DependencyUnavailableError, StorageFullError } from '../errors.js';
import { isRedisAvailabilityError } from '../queue/redisErrors.js';
import { isStorageFull } from '../storage/localErrors.js';
import { isS3AvailabilityError } from '../storage/s3Errors.js';

export interface HttpError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/**
 * A raw driver error that reached HTTP without an adapter wrapping it (e.g. Redis behind the
 * rate limiter): the per-driver classifiers decide whether it means "dependency down" (503).
 */
export function isDependencyFailure(error: unknown): boolean {
  return (
    isPostgresAvailabilityError(error) ||
    isCassandraAvailabilityError(error) ||
    isRedisAvailabilityError(error) ||
    isS3AvailabilityError(error)
  );
}

/** Fastify/plugin errors that carry their own 4xx status (validation, multipart, body limits). */
function frameworkError(
  error: Error & { statusCode?: number; code?: string; validation?: unknown },
): HttpError | null {
  if (error.validation) {
    return { status: 400, code: 'bad_request', message: error.message, details: error.validation };
  }
  switch (error.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: error.message };
    case 'FST_FILES_LIMIT':
      return { status: 400, code: 'bad_request', message: 'send exactly one file in form field "file"' };
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { status: 400, code: 'bad_request', message: 'too many form parts; send only the file' };
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return {
        status: 400,
        code: 'bad_request',
        message: 'the request must be multipart/form-data (with a boundary) and a "file" field',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 400,
        code: 'bad_request',
        message: 'unsupported Content-Type: uploads are multipart/form-data, other routes take no body',
      };
    default:
      break;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    const status = error.statusCode === 415 ? 400 : error.statusCode;
    return { status, code: status === 413 ? 'payload_too_large' : 'bad_request', message: error.message };
  }
  return null;
}

/** The one place errors become HTTP answers. Anything unrecognised is a 500 with no details. */
export function toHttpError(error: unknown, maxFileSize: number): HttpError {
  if (error instanceof AppError) {
    if (error.status === 413) {
      return { status: 413, code: error.code, message: error.message };
    }
    const result: HttpError = { status: error.status, code: error.code, message: error.message };
    if (error.details !== undefined) {
      result.details = error.details;
    }
    if (error instanceof DependencyUnavailableError) {
      result.headers = { 'retry-after': '5' };
    }
    if (error instanceof StorageFullError) {
      result.headers = { 'retry-after': '60' }; // space is freed by people, not in seconds
    }
    if (error.retryAfterSeconds !== undefined) {
      result.headers = { 'retry-after': String(error.retryAfterSeconds) };
    }
    return result;
  }
  if (error instanceof Error) {
    const framework = frameworkError(error);
    if (framework) {
      if (framework.status === 413) {
        framework.message = `file is larger than the limit of ${maxFileSize} bytes`;
      }
      return framework;
    }
    if (isStorageFull(error)) {
      // A full disk that no adapter classified: still the client's 507, never a 500.
      return toHttpError(new StorageFullError('storage is full; try again later'), maxFileSize);
    }
    if (isDependencyFailure(error)) {
      return {
        status: 503,
        code: 'dependency_unavailable',
        message: 'a service this request needs is unavailable; retry later',
        headers: { 'retry-after': '5' },
      };
    }
  }
  return { status: 500, code: 'internal_error', message: 'internal server error' };
}
