import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  host: string;
  port: number;
  password: string | undefined;
  /** With `sentinelName`: ask these Sentinels for the current primary instead of host/port. */
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
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
  const common: RedisOptions = {
    password: settings.password,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  if (settings.sentinels === undefined || settings.sentinelName === undefined) {
    return { ...common, host: settings.host, port: settings.port };
  }
  return {
    ...common,
    sentinels: settings.sentinels,
    name: settings.sentinelName,
    // No `failoverDetector`: when a primary was SIGKILLed, the detector's +switch-master fired
    // while the client was still asking the Sentinels for a primary, and ioredis (5.x) then
    // ended the connection for good ("Connection is closed." forever: a worker that never took
    // a job again; redis/ioredis#1683). Without it a failover still reaches every client: a dead
    // primary resets its sockets, and a demoted one closes its clients' connections (Redis
    // does on every role change) or answers READONLY (below); each reconnect asks the Sentinels.
    sentinelRetryStrategy: (times) => Math.min(times * 200, 2_000),
    // A primary demoted during a failover answers writes with READONLY: reconnect (asking the
    // Sentinels again) and resend the command. A Redis error reply's code is its first word, and
    // ioredis's ReplyError carries only the text, so the prefix is the signal.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
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
      reject(new Error(`Redis ${where(redis.options)} did not answer within ${timeoutMs} ms`));
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

function where(options: RedisOptions): string {
  return options.sentinels
    ? `primary "${options.name ?? ''}" via Sentinels ${options.sentinels.map((s) => `${s.host ?? ''}:${s.port ?? ''}`).join(',')}`
    : `at ${options.host ?? ''}:${options.port ?? ''}`;
}
