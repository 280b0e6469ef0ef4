import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DependencyUnavailableError,
  FileContentError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '../../../src/errors.js';
import { isDependencyFailure, toHttpError } from '../../../src/http/errorMapping.js';

describe('toHttpError', () => {
  it.each([
    [new ValidationError('bad'), 400, 'bad_request'],
    [new FileContentError('not csv'), 400, 'invalid_file'],
    [new UnauthorizedError('no'), 401, 'unauthorized'],
    [new NotFoundError('gone'), 404, 'not_found'],
    [new ConflictError('twice'), 409, 'conflict'],
    [new PayloadTooLargeError('big'), 413, 'payload_too_large'],
    [new RateLimitedError('slow down'), 429, 'rate_limited'],
    [new DependencyUnavailableError('down'), 503, 'dependency_unavailable'],
  ])('maps %s', (error, status, code) => {
    const http = toHttpError(error, 100);
    expect(http.status).toBe(status);
    expect(http.code).toBe(code);
    expect(http.message).toBe(error.message);
  });

  it("sends an AppError's details and never its cause", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
    });
    const http = toHttpError(new ConflictError('taken', { details: { field: 'key' }, cause }), 100);
    expect(http.details).toEqual({ field: 'key' });
    const bare = toHttpError(new ConflictError('taken', { cause }), 100);
    expect(bare.details).toBeUndefined();
    expect(JSON.stringify(bare)).not.toContain('duplicate key');
  });

  it('maps driver connection failures to 503 with Retry-After', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('getaddrinfo EAI_AGAIN db'), { code: 'EAI_AGAIN' }),
      new cassandra.errors.NoHostAvailableError({}),
      // A restarted Cassandra coordinator that has not pulled the schema yet.
      new cassandra.errors.ResponseError(
        cassandra.types.responseErrorCodes.invalid,
        'Keyspace batchport does not exist',
      ),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
    ]) {
      expect(isDependencyFailure(error)).toBe(true);
      const http = toHttpError(error, 100);
      expect(http.status).toBe(503);
      expect(http.message).toBe('a service this request needs is unavailable; retry later');
      expect(http.headers?.['retry-after']).toBe('5');
    }
  });

  it('maps multipart and framework errors', () => {
    const tooLarge = Object.assign(new Error('request file too large'), {
      code: 'FST_REQ_FILE_TOO_LARGE',
      statusCode: 413,
    });
    expect(toHttpError(tooLarge, 1234)).toMatchObject({
      status: 413,
      message: 'file is larger than the limit of 1234 bytes',
    });
    const files = Object.assign(new Error('reach files limit'), { code: 'FST_FILES_LIMIT', statusCode: 413 });
    expect(toHttpError(files, 1)).toMatchObject({ status: 400 });
    const validation = Object.assign(new Error('querystring/limit must be <= 100'), {
      validation: [{}],
      statusCode: 400,
    });
    expect(toHttpError(validation, 1)).toMatchObject({ status: 400, code: 'bad_request' });
    const media = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    expect(toHttpError(media, 1).status).toBe(400);
  });

  it('does not mistake a constraint violation or a lookalike for an outage', () => {
    const unique = Object.assign(new Error('duplicate key value'), { code: '23505' });
    expect(isDependencyFailure(unique)).toBe(false);
    expect(toHttpError(unique, 1).status).toBe(500);
    // Only the driver's own class counts, not an error that merely borrows its name.
    const lookalike = Object.assign(new Error('All host(s) tried'), { name: 'NoHostAvailableError' });
    expect(isDependencyFailure(lookalike)).toBe(false);
  });

  it('hides everything about unknown errors', () => {
    const http = toHttpError(new TypeError("Cannot read properties of undefined (reading 'x')"), 1);
    expect(http).toEqual({ status: 500, code: 'internal_error', message: 'internal server error' });
    expect(toHttpError('a string', 1).status).toBe(500);
  });
});
