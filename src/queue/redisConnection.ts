import { Redis, type RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';

export interface RedisSettings {
  host: string;
  port: number;
  password: string | undefined;
  /** An ACL user (with `password`); the default user otherwise. */
  username?: string;
  /** TLS to Redis and to the Sentinels; `caFile` (PEM) replaces the system's CAs. */
  tls?: { caFile?: string };
  /** With `sentinelName`: ask these Sentinels for the current primary instead of host/port. */
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  /** The Sentinels' own credentials (a Sentinel without them lets anyone name the primary). */
  sentinelUsername?: string;
  sentinelPassword?: string;
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

/** The TLS options of a connection: certificates always verified, against `caFile` when given. */
function tlsOptions(tls: RedisSettings['tls']): RedisOptions['tls'] {
  if (!tls) {
    return undefined;
  }
  return { rejectUnauthorized: true, ...(tls.caFile !== undefined && { ca: readFileSync(tls.caFile) }) };
}

/** Connection options every Redis client of the process shares (exported for the tests). */
export function base(settings: RedisSettings): RedisOptions {
  const tls = tlsOptions(settings.tls);
  const common: RedisOptions = {
    password: settings.password,
    ...(settings.username !== undefined && { username: settings.username }),
    ...(tls && { tls }),
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
    ...(settings.sentinelUsername !== undefined && { sentinelUsername: settings.sentinelUsername }),
    ...(settings.sentinelPassword !== undefined && { sentinelPassword: settings.sentinelPassword }),
    // The Sentinels speak TLS too when the data nodes do (one REDIS_TLS for the deployment).
    ...(tls && { enableTLSForSentinelMode: true, sentinelTLS: tls }),
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
