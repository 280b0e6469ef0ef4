import cassandra from 'cassandra-driver';
import { DependencyUnavailableError } from '../errors.js';
import { hasNetworkErrno } from '../networkErrors.js';

const { errors, types } = cassandra;

/** Server answers meaning "down, slow or overloaded" (retryable), not "the query is wrong". */
const UNAVAILABLE_CODES = new Set<number>([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.readFailure,
  types.responseErrorCodes.writeFailure,
  types.responseErrorCodes.truncateError,
  types.responseErrorCodes.serverError,
]);

/**
 * "Keyspace x does not exist" / "unconfigured table x": the schema exists (it is created at
 * start), so the coordinator that says this has not got it (yet): a node that restarted and is
 * still pulling the schema, or lost it. Another node or a later try answers: an outage, not a bug.
 * The text is the only signal: Cassandra answers these with the generic Invalid (0x2200) code that
 * a malformed query also gets, and cassandra-driver 4.x exposes nothing else to tell them apart.
 */
const MISSING_SCHEMA_RE = /keyspace \S+ does not exist|unconfigured table|table \S+ does not exist/i;

function isMissingSchema(error: InstanceType<typeof errors.ResponseError>): boolean {
  return error.code === Number(types.responseErrorCodes.invalid) && MISSING_SCHEMA_RE.test(error.message);
}

/** True for cassandra-driver errors meaning the cluster is down, slow or overloaded. */
export function isCassandraAvailabilityError(error: unknown): boolean {
  if (
    error instanceof errors.NoHostAvailableError ||
    error instanceof errors.OperationTimedOutError ||
    error instanceof errors.BusyConnectionError
  ) {
    return true;
  }
  if (error instanceof errors.ResponseError) {
    return UNAVAILABLE_CODES.has(error.code) || isMissingSchema(error);
  }
  return hasNetworkErrno(error);
}

/** The cassandra-driver classifier: DependencyUnavailableError('records') or undefined. */
export function cassandraUnavailable(error: unknown, action: string): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (!isCassandraAvailabilityError(error)) {
    return undefined;
  }
  return new DependencyUnavailableError(`records store unavailable while ${action}`, {
    cause: error,
    dependency: 'records',
  });
}

/**
 * Cassandra refused the credentials (a wrong CASSANDRA_USERNAME/CASSANDRA_PASSWORD, or none where
 * PasswordAuthenticator is on): the driver reports it as "no host available", which reads like
 * an outage, although retrying cannot help. Returns an error that says so, or undefined.
 */
export function cassandraCredentialsRefused(error: unknown): Error | undefined {
  const tried: unknown[] =
    error instanceof errors.NoHostAvailableError
      ? Object.values(error.innerErrors as Record<string, unknown>)
      : [error];
  const refused = tried.find((e): e is Error => e instanceof errors.AuthenticationError);
  if (refused === undefined) {
    return undefined;
  }
  return new Error(
    `Cassandra refused to authenticate this process (${refused.message}): check CASSANDRA_USERNAME ` +
      'and CASSANDRA_PASSWORD against the role created for the app (see docs/deployment.md)',
    { cause: error },
  );
}

/** Maps availability errors to DependencyUnavailableError; returns anything else unchanged. */
export function wrapCassandraError(error: unknown, action: string): unknown {
  return cassandraUnavailable(error, action) ?? error;
}

/**
 * `ALTER TABLE ... ADD` lost a race: another process added the column first. Cassandra reports it
 * as Invalid (0x2200) with only the text ("... already exists") to say which invalid it was.
 */
export function isColumnAlreadyAdded(error: unknown): boolean {
  return error instanceof errors.ResponseError && /already exist/i.test(error.message);
}
