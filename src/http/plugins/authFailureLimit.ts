import type { Redis } from 'ioredis';

/**
 * Counts failed authentications per client address in fixed one-minute windows, so a client
 * that keeps sending bad tokens is refused (429) before its next token is even checked. Only
 * failures count: a client with a good token is limited by the per-user limiter instead.
 */
export interface FailureCounter {
  /** Failures of `key` in the current window, and the milliseconds left in that window. */
  peek(key: string): Promise<{ count: number; ttlMs: number }>;
  /** Counts one more failure of `key`. */
  fail(key: string): Promise<void>;
}

const WINDOW_MS = 60_000;
const KEY_PREFIX = 'batchport-authfail:';
// How long an address's count read from Redis is trusted locally.
const CACHE_MS = 1_000;

/**
 * Shared by every API instance, like the per-user limiter's counters. Reads go through a short
 * local cache (see cachedFailureCounter): the check runs before every /api request, and a
 * Redis round trip per good request was a measurable share of the read routes' cost.
 */
export function redisFailureCounter(redis: Redis, windowMs = WINDOW_MS, cacheMs = CACHE_MS): FailureCounter {
  const shared: FailureCounter = {
    async peek(key) {
      const [[, count], [, ttl]] = (await redis
        .multi()
        .get(KEY_PREFIX + key)
        .pttl(KEY_PREFIX + key)
        .exec()) as [[unknown, string | null], [unknown, number]];
      return { count: Number(count ?? 0), ttlMs: Math.max(0, ttl) };
    },
    async fail(key) {
      // SET NX PX opens the window on the first failure only; INCR keeps the key's expiry.
      await redis
        .multi()
        .set(KEY_PREFIX + key, 0, 'PX', windowMs, 'NX')
        .incr(KEY_PREFIX + key)
        .exec();
    },
  };
  return cachedFailureCounter(shared, { ttlMs: cacheMs });
}

export interface FailureCacheOptions {
  /** How long a count read from the shared counter is trusted. */
  ttlMs: number;
  /** Addresses remembered at most; past it the oldest entries go. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Remembers each address's count for `ttlMs`, so a client sending good tokens costs one shared
 * read per `ttlMs` rather than one per request. A failure counted here drops the address's entry,
 * so this instance sees its own failures at once (the limit stays exact for one instance);
 * failures counted by other instances show up at most `ttlMs` late, a bounded slack on a
 * per-minute limit.
 */
export function cachedFailureCounter(inner: FailureCounter, options: FailureCacheOptions): FailureCounter {
  const { ttlMs, maxKeys = 10_000, now = Date.now } = options;
  const cache = new Map<string, { count: number; windowEndsAt: number; freshUntil: number }>();
  const remember = (key: string, count: number, windowTtlMs: number, at: number) => {
    cache.delete(key); // re-inserted last: Map order is the eviction order
    if (cache.size >= maxKeys) {
      const oldest = cache.keys().next();
      if (!oldest.done) {
        cache.delete(oldest.value);
      }
    }
    cache.set(key, { count, windowEndsAt: at + windowTtlMs, freshUntil: at + ttlMs });
  };
  return {
    async peek(key) {
      const at = now();
      const hit = cache.get(key);
      if (hit && hit.freshUntil > at) {
        return { count: hit.count, ttlMs: Math.max(0, hit.windowEndsAt - at) };
      }
      const seen = await inner.peek(key);
      remember(key, seen.count, seen.ttlMs, at);
      return seen;
    },
    async fail(key) {
      cache.delete(key);
      await inner.fail(key);
      cache.delete(key); // a peek that raced the write must not keep the old count
    },
  };
}

/**
 * One process's counters, for an API without Redis (the fast HTTP tests). Bounded: past
 * `maxKeys` addresses, expired windows are dropped, then the oldest, so a flood of source
 * addresses cannot grow it without end.
 */
export function memoryFailureCounter(windowMs = WINDOW_MS, maxKeys = 10_000): FailureCounter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string, now: number) => {
    const window = windows.get(key);
    return window && window.resetAt > now ? window : undefined;
  };
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
    peek(key) {
      const now = Date.now();
      const window = current(key, now);
      return Promise.resolve({ count: window?.count ?? 0, ttlMs: window ? window.resetAt - now : 0 });
    },
    fail(key) {
      const now = Date.now();
      const window = current(key, now);
      if (window) {
        window.count += 1;
        return Promise.resolve();
      }
      if (windows.size >= maxKeys) {
        makeRoom(now);
      }
      windows.set(key, { count: 1, resetAt: now + windowMs });
      return Promise.resolve();
    },
  };
}
