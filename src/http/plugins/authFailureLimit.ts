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

/** Shared by every API instance, like the per-user limiter's counters. */
export function redisFailureCounter(redis: Redis, windowMs = WINDOW_MS): FailureCounter {
  return {
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
