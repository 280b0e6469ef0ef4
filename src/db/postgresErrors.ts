import { DependencyUnavailableError } from '../errors.js';
import { errorCode, hasNetworkErrno, someInChain } from '../networkErrors.js';

/**
 * SQLSTATEs meaning "the server cannot serve this now", not "the query is wrong":
 * class 08 connection exceptions, class 53 insufficient resources (53300 too many connections),
 * 57P01/57P02/57P03 shutting down or starting up, 57P05 idle session timeout, 57014 query
 * cancelled (statement_timeout).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53)[0-9A-Z]{3}$|^57P0[1235]$|^57014$/;

/**
 * pg and pg-pool raise their own connection failures as plain Errors without a code; their
 * wording is the only signal (pg 8.x: lib/client.js, pg-pool/index.js).
 */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
];

/** True for node-postgres errors meaning the database is down, overloaded or too slow. */
export function isPostgresAvailabilityError(error: unknown): boolean {
  return (
    hasNetworkErrno(error) ||
    someInChain(error, (e) => {
      const code = errorCode(e);
      if (code !== undefined) {
        return UNAVAILABLE_SQLSTATE.test(code);
      }
      return DRIVER_MESSAGES.some((m) => e.message.includes(m));
    })
  );
}

/**
 * The pg classifier: a DependencyUnavailableError naming `dependency` (the batches database or
 * the PostgreSQL records store) for availability errors, undefined for anything else
 * (constraint violations, syntax errors, bugs).
 */
export function postgresUnavailable(
  error: unknown,
  dependency: 'database' | 'records',
  action: string,
): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (!isPostgresAvailabilityError(error)) {
    return undefined;
  }
  const what = dependency === 'records' ? 'records store' : 'database';
  return new DependencyUnavailableError(`${what} unavailable while ${action}`, {
    cause: error,
    dependency,
  });
}
