import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/**
 * The per-user rate limits' counters, shared by every API instance through Redis, without a Redis
 * round trip on every request (issue #13: that round trip was half of what `status` and `list`
 * cost above the JWT-only route).
 *
 * Each instance counts locally and adds its new requests to the shared count every `syncMs`; the
 * first request of a user's window asks Redis at once, so a window always starts from the shared
 * count. What an instance reports is `shared count at the last sync + its own requests since`:
 * never more than the true count, so nobody is refused early, and exact for a single instance.
 * With several instances, requests sent to the others since their last sync show up at most
 * `syncMs` late — a bounded overshoot on a per-minute limit. `syncMs` 0 asks Redis on every
 * request (exact across instances, one round trip each).
 */
export interface SharedWindowCounter {
  /**
   * Adds `n` to `key`'s count, opening a window of `windowMs` when the key has none, and returns
   * the count after the addition and the milliseconds left in its window.
   */
  add(key: string, n: number, windowMs: number): Promise<{ count: number; ttlMs: number }>;
}

const ADD_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
`;

/** The shared counts: one Redis key per user and limit, expiring with its window. */
export function redisWindowCounter(redis: Redis, keyPrefix: string): SharedWindowCounter {
  return {
    async add(key, n, windowMs) {
      const [count, ttlMs] = (await redis.eval(ADD_SCRIPT, 1, keyPrefix + key, n, windowMs)) as [
        number,
        number,
      ];
      return { count, ttlMs };
    },
  };
}

export interface SyncedStoreOptions {
  /** How often each instance adds its local counts to the shared ones; 0: on every request. */
  syncMs: number;
  /** Users remembered at most per limit; past it, finished windows go first, then the oldest. */
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  endsAt: number;
  windowMs: number;
  /** The shared count as of the last answer from Redis. */
  shared: number;
  /** Requests sent to Redis, not yet answered. */
  inFlight: number;
  /** Requests counted here since the last sync. */
  pending: number;
}

/** A limiter whose pending counts can be pushed on demand (the timer does it every `syncMs`). */
export interface SyncedStore extends FastifyRateLimitStore {
  sync(): Promise<void>;
}

/** The store class `@fastify/rate-limit` instantiates (`store` option). */
export function syncedRateLimitStore(
  counter: SharedWindowCounter,
  options: SyncedStoreOptions,
): FastifyRateLimitStoreCtor {
  return class {
    constructor() {
      return createSyncedStore(counter, options, '');
    }
  } as unknown as FastifyRateLimitStoreCtor;
}

/** One limit's counters; `child` gives a route's own limit (the upload limit) its own keys. */
export function createSyncedStore(
  counter: SharedWindowCounter,
  options: SyncedStoreOptions,
  namespace: string,
): SyncedStore {
  const { syncMs, maxKeys = 10_000, now = Date.now } = options;
  const windows = new Map<string, Window>();
  let timer: NodeJS.Timeout | undefined;

  const estimate = (w: Window) => w.shared + w.inFlight + w.pending;

  const makeRoom = (at: number) => {
    for (const [key, w] of windows) {
      if (w.endsAt <= at) {
        windows.delete(key);
      }
    }
    const oldest = windows.keys().next();
    if (windows.size >= maxKeys && !oldest.done) {
      windows.delete(oldest.value);
    }
  };

  const pushPending = async (key: string, w: Window) => {
    const n = w.pending;
    w.pending = 0;
    w.inFlight += n;
    try {
      const reply = await counter.add(namespace + key, n, w.windowMs);
      // A count below what was seen means Redis started a new window (the key expired there).
      w.shared = reply.count < w.shared ? reply.count : Math.max(w.shared, reply.count);
      w.endsAt = now() + reply.ttlMs;
    } catch {
      w.pending += n; // Redis unreachable: the requests are still counted here and sent next time
    } finally {
      w.inFlight -= n;
    }
  };

  const sync = async () => {
    timer = undefined;
    const at = now();
    const pushes: Promise<void>[] = [];
    for (const [key, w] of windows) {
      if (w.endsAt <= at) {
        windows.delete(key); // its requests belonged to a window that is over
      } else if (w.pending > 0) {
        pushes.push(pushPending(key, w));
      }
    }
    await Promise.all(pushes);
  };

  const scheduleSync = () => {
    timer ??= setTimeout(() => void sync(), syncMs).unref();
  };

  const open = (key: string, windowMs: number, cb: Parameters<FastifyRateLimitStore['incr']>[1]) => {
    counter.add(namespace + key, 1, windowMs).then(
      ({ count, ttlMs }) => {
        const at = now();
        const w = windows.get(key);
        if (w && w.endsAt > at) {
          w.shared = Math.max(w.shared, count); // another request opened it meanwhile
        } else {
          if (windows.size >= maxKeys) {
            makeRoom(at);
          }
          windows.set(key, { endsAt: at + ttlMs, windowMs, shared: count, inFlight: 0, pending: 0 });
        }
        cb(null, { current: count, ttl: ttlMs });
      },
      (error: unknown) => cb(error instanceof Error ? error : new Error(String(error))),
    );
  };

  return {
    incr(key, cb, timeWindow) {
      const w = windows.get(key);
      const at = now();
      if (syncMs === 0 || !w || w.endsAt <= at) {
        open(key, timeWindow, cb);
        return;
      }
      w.pending += 1;
      scheduleSync();
      cb(null, { current: estimate(w), ttl: w.endsAt - at });
    },
    child(routeOptions) {
      const route = routeOptions as unknown as { routeInfo?: { method?: string; url?: string } };
      const name = `${route.routeInfo?.method ?? ''}${route.routeInfo?.url ?? ''}-`;
      return createSyncedStore(counter, options, namespace + name);
    },
    sync,
  };
}
