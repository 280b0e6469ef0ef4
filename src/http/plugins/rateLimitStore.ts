import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Redis } from 'ioredis';
import { isRedisAvailabilityError } from '../../queue/redisErrors.js';

/**
 * The library's store with its errors sorted by the Redis classifier: availability errors let
 * the request pass (counted as the window's first), anything else goes to the request.
 */
class ClassifiedStore implements FastifyRateLimitStore {
  constructor(
    private readonly inner: FastifyRateLimitStore,
    private readonly onUnavailable: (error: Error) => void,
  ) {}

  incr(...[key, callback, timeWindow, max]: Parameters<FastifyRateLimitStore['incr']>): void {
    this.inner.incr(
      key,
      (error, result) => {
        if (error && isRedisAvailabilityError(error)) {
          this.onUnavailable(error);
          callback(null, { current: 0, ttl: timeWindow });
          return;
        }
        callback(error, result);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new ClassifiedStore(this.inner.child(routeOptions), this.onUnavailable);
  }
}

/**
 * The rate limiter's Redis store (the library's own: one Lua script per request, keys
 * `<nameSpace><user>`), with its errors sorted by the Redis classifier (src/queue/redisErrors.ts)
 * instead of the library's all-or-nothing `skipOnError`. When Redis is down or not serving, the
 * request passes unlimited and `onUnavailable` is told: a Redis outage must not take the API
 * down with it. Any other error (a key of the wrong type, a script error) is a fault and fails
 * the request, so a broken limiter is seen rather than silently switched off.
 */
export function classifiedRedisStore(
  redis: Redis,
  nameSpace: string,
  onUnavailable: (error: Error) => void,
): FastifyRateLimitStoreCtor {
  return class extends ClassifiedStore {
    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const { continueExceeding = false, exponentialBackoff = false } = params;
      super(new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace), onUnavailable);
    }
  };
}
