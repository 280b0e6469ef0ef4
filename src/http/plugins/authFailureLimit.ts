import type { Redis } from 'ioredis';

/**
 * Counts failed authentications per client address in fixed one-minute windows. The token is
 * verified first: only a request that failed is counted, and only a failing request is refused
 * (429) once its address is past the limit, so a good token behind the same address (an office
 * behind one NAT) is always served.
 */
export interface FailureCounter {
  /**
   * Counts one more failure of `key` and returns, in the same atomic step, the failures in the
   * current window (this one included) and the milliseconds left in it. Count and compare in one
   * step: a read followed by a separate increment let 60 parallel failures all see "under the
   * limit".
   */
  fail(key: string): Promise<{ count: number; ttlMs: number }>;
}

const WINDOW_MS = 60_000;

/**
 * INCR, opening the window (PEXPIRE) on the first failure, and PTTL, in one Lua script: Redis
 * runs a script atomically, so concurrent failures from any API instance each get their own
 * count. A key found without an expiry (written by hand, or an interrupted older version) is
 * given one rather than counting forever.
 */
const COUNT_FAILURE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/**
 * Shared by every API instance, like the per-user limiter's counters. Keys are
 * `<keyPrefix>authfail:<address>`; the prefix (REDIS_KEY_PREFIX) keeps deployments that share a
 * Redis apart. Good requests never reach this counter, so it costs a Redis round trip only per
 * failed authentication.
 */
export function redisFailureCounter(redis: Redis, keyPrefix: string, windowMs = WINDOW_MS): FailureCounter {
  return {
    async fail(key) {
      const [count, ttl] = (await redis.eval(
        COUNT_FAILURE_SCRIPT,
        1,
        `${keyPrefix}authfail:${key}`,
        String(windowMs),
      )) as [number, number];
      return { count, ttlMs: Math.max(0, ttl) };
    },
  };
}

/**
 * One process's counters, for an API without Redis (the fast HTTP tests). Bounded: past
 * `maxKeys` addresses, expired windows are dropped, then the oldest, so a flood of source
 * addresses cannot grow it without end. Synchronous, hence atomic within the process.
 */
export function memoryFailureCounter(windowMs = WINDOW_MS, maxKeys = 10_000): FailureCounter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const makeRoom = (now: number) => {
    for (const [key, window] of windows) {
      if (window.resetAt <= now) {
        windows.delete(key);
      }
    }
    const oldest = windows.keys().next();
    if (windows.size >= maxKeys && !oldest.done) {
      windows.delete(oldest.value);
    }
  };
  return {
    fail(key) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || window.resetAt <= now) {
        windows.delete(key);
        if (windows.size >= maxKeys) {
          makeRoom(now);
        }
        window = { count: 0, resetAt: now + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return Promise.resolve({ count: window.count, ttlMs: window.resetAt - now });
    },
  };
}
