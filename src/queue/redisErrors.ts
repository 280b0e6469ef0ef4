import { ReplyError } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import { hasNetworkErrno, someInChain } from '../networkErrors.js';

/**
 * ioredis raises its client-side availability failures as plain Errors (or AbortError
 * subclasses) without a code, so their wording is the signal (ioredis 5.x: Redis.js,
 * Command.js, utils CONNECTION_CLOSED_ERROR_MSG, errors/MaxRetriesPerRequestError.js).
 */
const CLIENT_MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  'Command timed out',
  'Reached the max retries per request limit',
];

/** Server replies meaning "not serving now": loading the dataset, busy script, failover. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN) /;

/** True for ioredis / BullMQ errors meaning Redis is down, unreachable or not serving. */
export function isRedisAvailabilityError(error: unknown): boolean {
  return (
    hasNetworkErrno(error) ||
    someInChain(error, (e) =>
      e instanceof ReplyError
        ? UNAVAILABLE_REPLIES.test(e.message)
        : CLIENT_MESSAGES.some((m) => e.message.startsWith(m)),
    )
  );
}

/** The ioredis/BullMQ classifier: DependencyUnavailableError('queue') or undefined. */
export function redisUnavailable(error: unknown, action: string): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (!isRedisAvailabilityError(error)) {
    return undefined;
  }
  return new DependencyUnavailableError(`job queue unavailable while ${action}`, {
    cause: error,
    dependency: 'queue',
  });
}
