import { S3ServiceException } from '@aws-sdk/client-s3';
import cassandra from 'cassandra-driver';
import { ReplyError } from 'ioredis';
import { errors as joseErrors } from 'jose';
import { describe, expect, it } from 'vitest';
import { cassandraUnavailable } from '../../../src/db/cassandraErrors.js';
import { postgresUnavailable } from '../../../src/db/postgresErrors.js';
import { DependencyUnavailableError } from '../../../src/errors.js';
import { NETWORK_ERRNOS, hasNetworkErrno } from '../../../src/networkErrors.js';
import { redisUnavailable } from '../../../src/queue/redisErrors.js';
import { jwksUnavailable } from '../../../src/services/jwksErrors.js';
import { s3Unavailable } from '../../../src/storage/s3Errors.js';

/**
 * The pure rules of the per-driver classifiers, with error objects built the way each driver
 * builds them. The same classifiers meet errors raised by the real services in
 * test/integration/errors/.
 */
const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
const sqlstate = (code: string) => Object.assign(new Error(`server said ${code}`), { code });
const responseError = (code: number) => new cassandra.errors.ResponseError(code, 'server said no');
const s3Error = (status: number) =>
  new S3ServiceException({
    name: 'Failure',
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

const classifiers = {
  postgres: (e: unknown) => postgresUnavailable(e, 'database', 'testing'),
  cassandra: (e: unknown) => cassandraUnavailable(e, 'testing'),
  redis: (e: unknown) => redisUnavailable(e, 'testing'),
  s3: (e: unknown) => s3Unavailable(e, 'testing'),
  jwks: (e: unknown) => jwksUnavailable(e),
};

describe('shared network rules', () => {
  it.each(Object.entries(classifiers))(
    '%s: every network errno, also nested, is an outage',
    (_, classify) => {
      for (const code of NETWORK_ERRNOS) {
        expect(classify(errno(code))).toBeInstanceOf(DependencyUnavailableError);
        expect(classify(new Error('wrapped', { cause: errno(code) }))).toBeInstanceOf(
          DependencyUnavailableError,
        );
        expect(classify(new AggregateError([errno(code)], 'happy eyeballs'))).toBeInstanceOf(
          DependencyUnavailableError,
        );
      }
    },
  );

  it.each(Object.entries(classifiers))('%s: plain bugs and non-errors are not outages', (_, classify) => {
    expect(classify(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeUndefined();
    expect(classify(errno('ENOENT'))).toBeUndefined();
    expect(classify('ECONNREFUSED')).toBeUndefined();
    expect(classify(undefined)).toBeUndefined();
  });

  it.each(Object.entries(classifiers))(
    '%s: an already classified error passes through unchanged',
    (_, classify) => {
      const classified = new DependencyUnavailableError('down', { dependency: 'storage' });
      expect(classify(classified)).toBe(classified);
    },
  );

  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(hasNetworkErrno(a)).toBe(false);
  });
});

describe('per-driver rules', () => {
  it('postgres: SQLSTATEs of unavailability, not of bad queries', () => {
    for (const code of ['08006', '08001', '53300', '53100', '57P01', '57P02', '57P03', '57P05', '57014']) {
      expect(postgresUnavailable(sqlstate(code), 'records', 'x')?.dependency, code).toBe('records');
    }
    for (const code of ['23505', '42P01', '42601', '22P02', '40001', '57P04', '0800']) {
      expect(postgresUnavailable(sqlstate(code), 'database', 'x'), code).toBeUndefined();
    }
    expect(
      postgresUnavailable(new Error('Connection terminated unexpectedly'), 'database', 'x')?.dependency,
    ).toBe('database');
  });

  it('cassandra: driver classes and server codes of unavailability', () => {
    const { errors, types } = cassandra;
    for (const error of [
      new errors.NoHostAvailableError({}),
      new errors.OperationTimedOutError('timed out'),
      new errors.BusyConnectionError('127.0.0.1:9042', 2048, 1),
      responseError(types.responseErrorCodes.unavailableException),
      responseError(types.responseErrorCodes.overloaded),
      responseError(types.responseErrorCodes.writeTimeout),
      responseError(types.responseErrorCodes.readTimeout),
    ]) {
      expect(cassandraUnavailable(error, 'x')?.dependency, error.message).toBe('records');
    }
    expect(cassandraUnavailable(responseError(types.responseErrorCodes.syntaxError), 'x')).toBeUndefined();
    expect(cassandraUnavailable(responseError(types.responseErrorCodes.invalid), 'x')).toBeUndefined();
  });

  it('cassandra: a coordinator without the schema (restarted node) is an outage, other invalid queries are not', () => {
    const invalid = (message: string) =>
      new cassandra.errors.ResponseError(cassandra.types.responseErrorCodes.invalid, message);
    for (const message of [
      'Keyspace batchport does not exist',
      'unconfigured table records',
      'Table batchport.records does not exist',
    ]) {
      expect(cassandraUnavailable(invalid(message), 'x')?.dependency, message).toBe('records');
    }
    expect(cassandraUnavailable(invalid('Undefined column name nope'), 'x')).toBeUndefined();
    // Same words under another code (a syntax error quoting them) are the query's fault.
    const syntax = new cassandra.errors.ResponseError(
      cassandra.types.responseErrorCodes.syntaxError,
      'Keyspace batchport does not exist',
    );
    expect(cassandraUnavailable(syntax, 'x')).toBeUndefined();
  });

  it('redis: offline-queue, closed-connection and not-serving replies', () => {
    for (const error of [
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Connection is closed.'),
      new Error('Command timed out'),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
      new ReplyError('MASTERDOWN Link with MASTER is down'),
    ]) {
      expect(redisUnavailable(error, 'x')?.dependency, error.message).toBe('queue');
    }
    expect(redisUnavailable(new ReplyError("ERR unknown command 'NOPE'"), 'x')).toBeUndefined();
    expect(redisUnavailable(new ReplyError('WRONGTYPE Operation against a key'), 'x')).toBeUndefined();
  });

  it('s3: server-side answers and SDK timeouts, not answers about the request', () => {
    for (const status of [500, 502, 503]) {
      expect(s3Unavailable(s3Error(status), 'x')?.dependency).toBe('storage');
    }
    for (const status of [400, 403, 404]) {
      expect(s3Unavailable(s3Error(status), 'x')).toBeUndefined();
    }
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    expect(s3Unavailable(timeout, 'x')?.dependency).toBe('storage');
  });

  it('jwks: fetch failures and key-set codes, not token problems', () => {
    for (const error of [
      new joseErrors.JWKSTimeout(),
      new joseErrors.JWKSInvalid('not a key set'),
      new joseErrors.JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response'),
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      }),
    ]) {
      expect(jwksUnavailable(error)?.dependency, error.message).toBe('auth-keys');
    }
    for (const error of [
      new joseErrors.JWTExpired('expired', {}),
      new joseErrors.JWSSignatureVerificationFailed(),
      new joseErrors.JWKSNoMatchingKey(),
      new joseErrors.JOSEAlgNotAllowed('nope'),
    ]) {
      expect(jwksUnavailable(error), error.message).toBeUndefined();
    }
  });
});
