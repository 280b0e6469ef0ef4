/**
 * The network rules every driver classifier shares (src/db/postgresErrors.ts,
 * src/db/cassandraErrors.ts, src/queue/redisErrors.ts, src/storage/s3Errors.ts,
 * src/services/jwksErrors.ts): one list of errno codes meaning "the peer could not be reached or
 * the connection broke", looked up the same way whichever driver wrapped the socket error.
 */
export const NETWORK_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

// Drivers nest socket errors a few levels deep (cause, AggregateError from happy eyeballs);
// the bound keeps a cyclic cause chain from looping.
const MAX_DEPTH = 6;

/** True when `test` holds for the error, an error in its `cause` chain or inside an AggregateError. */
export function someInChain(error: unknown, test: (error: Error) => boolean, depth = 0): boolean {
  if (!(error instanceof Error) || depth > MAX_DEPTH) {
    return false;
  }
  if (test(error)) {
    return true;
  }
  if (error instanceof AggregateError && error.errors.some((e) => someInChain(e, test, depth + 1))) {
    return true;
  }
  return error.cause !== error && someInChain(error.cause, test, depth + 1);
}

/** The error's string `code` property (Node errno, SQLSTATE, jose code...), if any. */
export function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A Node socket/DNS failure anywhere in the error's chain. */
export function hasNetworkErrno(error: unknown): boolean {
  return someInChain(error, (e) => NETWORK_ERRNOS.has(errorCode(e) ?? ''));
}
