import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  host: string;
  port: number;
  password: string | undefined;
}

/**
 * Producer connections (API: enqueue, rate limits, readiness) fail fast: with no offline queue a
 * Redis outage turns into an immediate error (503) instead of a request that hangs.
 */
export function createProducerRedis(settings: RedisSettings): Redis {
  const redis = new Redis({
    ...base(settings),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
  });
  redis.on('error', () => undefined); // reconnects by itself; callers see command errors
  return redis;
}

/** Worker connections wait through outages (BullMQ requires maxRetriesPerRequest: null). */
export function workerRedisOptions(settings: RedisSettings): RedisOptions {
  return { ...base(settings), maxRetriesPerRequest: null, enableReadyCheck: true };
}

function base(settings: RedisSettings): RedisOptions {
  return {
    host: settings.host,
    port: settings.port,
    password: settings.password,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
}

/** Resolves once the connection is usable (fail-fast connections refuse commands before that). */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `Redis at ${redis.options.host}:${redis.options.port} did not answer within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
