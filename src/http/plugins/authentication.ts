import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { User } from '../../domain/batch.js';
import { DependencyUnavailableError, RateLimitedError, UnauthorizedError } from '../../errors.js';
import { isRedisAvailabilityError } from '../../queue/redisErrors.js';
import type { AuthService } from '../../services/authService.js';
import { memoryFailureCounter, redisFailureCounter, type FailureCounter } from './authFailureLimit.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    /** Epoch ms until which the request's token is accepted (exp + skew); 0 before authentication. */
    tokenAcceptedUntilMs: number;
  }
}

export interface AuthenticationOptions {
  authService: AuthService;
  /** Failed authentications allowed per client address and minute (AUTH_FAILURE_LIMIT_PER_MINUTE). */
  failureLimitPerMinute: number;
  /** Shared failure counters across API instances; absent: counted in this process's memory. */
  redis?: Redis | undefined;
  /** Prefix of every Redis key this deployment writes (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
}

/**
 * Authenticates every route of the scope it is registered in (the /api routes) and sets
 * `request.user`. Wrapped with fastify-plugin so the decorator and the hook reach the sibling
 * routes of that scope, and stop there: health and docs routes stay public.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const authentication: FastifyPluginAsync<AuthenticationOptions> = async (scope, opts) => {
  const { authService, failureLimitPerMinute } = opts;
  const failures = opts.redis ? redisFailureCounter(opts.redis, opts.redisKeyPrefix) : memoryFailureCounter();
  scope.decorateRequest('user', null);
  scope.decorateRequest('tokenAcceptedUntilMs', 0);
  scope.addHook('onRequest', async (request, reply) => {
    // The token is checked first (an HMAC or a cached public key: cheap). A good token is served
    // whatever its address failed before; only failures count, and only failures are refused.
    try {
      const { user, acceptedUntilMs } = await authService.authenticate(request.headers.authorization);
      request.user = user;
      request.tokenAcceptedUntilMs = acceptedUntilMs;
      return;
    } catch (error) {
      if (error instanceof DependencyUnavailableError) {
        throw error; // the key set is unreachable: 503, the token was not judged
      }
      await refuseWhenFailingTooOften(failures, failureLimitPerMinute, request, reply);
      throw challenge(reply, error instanceof UnauthorizedError ? error : null);
    }
  });
};

/**
 * Counts this failure; past the limit the answer is 429 with Retry-After instead of 401.
 * request.ip is the socket's address, or the forwarded one only from a TRUST_PROXY proxy. A
 * Redis outage lets the failure pass uncounted (401), like the per-user limiter; any other
 * counter error is a fault and reaches the error handler.
 */
async function refuseWhenFailingTooOften(
  failures: FailureCounter,
  max: number,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  let seen;
  try {
    seen = await failures.fail(request.ip);
  } catch (error) {
    if (!isRedisAvailabilityError(error)) {
      throw error;
    }
    request.log.warn({ err: error }, 'auth failure counter unavailable; failure not counted');
    return;
  }
  if (seen.count > max) {
    const seconds = Math.max(1, Math.ceil(seen.ttlMs / 1000));
    void reply.header('retry-after', String(seconds));
    throw new RateLimitedError(`too many failed authentications; retry in ${seconds} s`);
  }
}

/**
 * Sets the RFC 6750 challenge header and returns the 401 to throw. The header carries the
 * message reduced to printable ASCII without quotes or backslashes: a header value must never
 * hold what a client sent (CR/LF or non-latin1 there made Node throw, and a 500). The JSON body
 * keeps the full message.
 */
function challenge(reply: FastifyReply, error: UnauthorizedError | null): UnauthorizedError {
  const description = (error ? error.message : 'authentication failed').replace(/[^ !#-[\]-~]/g, '?');
  void reply.header(
    'www-authenticate',
    `Bearer realm="batchport", error="invalid_token", error_description="${description.slice(0, 200)}"`,
  );
  return error ?? new UnauthorizedError('authentication failed');
}

export default fp(authentication, { name: 'batchport-authentication', fastify: '5.x' });

/** The authenticated user of a request behind the authentication plugin. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) {
    throw new UnauthorizedError('not authenticated');
  }
  return request.user;
}
