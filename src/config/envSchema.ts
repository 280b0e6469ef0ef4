import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Every environment variable the service reads, with its type, range and default (zod). What each
 * one means is in the README's configuration table; `config.ts` turns the parsed values into the
 * typed `Config` and checks the rules that span several variables.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL (${protocols.join(' or ')})` },
    );

/** `10.0.0.1`, `::1`, `10.0.0.0/8` or `fd00::/8`. */
function isAddressOrRange(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0`, `500ms`, `5s`, `30m`, `2h`, `5d` (a bare number is seconds) -> milliseconds, or null. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 's']!) : null;
}

const duration = (minMs: number, maxMs: number) =>
  z.string().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as 30s, 5m, 2h or 1d, from ${minMs} ms to ${maxMs / 3_600_000} h`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** The spec's schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,14h,20h,24h';

const retrySchedule = z.string().transform((v, ctx) => {
  const steps = v.split(',').map((p) => parseDuration(p));
  if (steps.length === 0 || steps.length > 20 || steps.some((ms) => ms === null || ms > 7 * 86_400_000)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be 1 to 20 comma-separated durations (each at most 7d), e.g. 0,5s,5m,30m',
    });
    return z.NEVER;
  }
  return steps as number[];
});

/** The levels CASSANDRA_CONSISTENCY accepts (the driver's names, upper snake case). */
export const CASSANDRA_CONSISTENCIES = [
  'ONE',
  'LOCAL_ONE',
  'QUORUM',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'ALL',
] as const;
export type CassandraConsistency = (typeof CASSANDRA_CONSISTENCIES)[number];

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines when stdout is a terminal (`npm start` by hand), JSON lines otherwise.
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  // The whole request (headers and body) must arrive within this time; a slow client is cut off.
  HTTP_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(120_000),
  // Proxies whose X-Forwarded-For is believed (Fastify trustProxy): comma-separated addresses or
  // CIDR ranges. None by default: the client address is the socket's.
  TRUST_PROXY: optionalText.pipe(
    z
      .string()
      .refine((v) => v.split(',').every((p) => isAddressOrRange(p.trim())), {
        message: 'must be a comma-separated list of IP addresses or CIDR ranges',
      })
      .optional(),
  ),
  // The API role's /metrics listener; loopback by default so only the host's scraper sees it.
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: int(0, 65535).default(3002),

  // Storage
  USE_LOCAL_STORAGE: bool.default(true),
  LOCAL_STORAGE_DIR: z.string().default('.data/storage'),
  SEAWEEDFS_ENDPOINT: optionalText.pipe(url(['http:', 'https:']).optional()),
  SEAWEEDFS_ACCESS_KEY: optionalText,
  SEAWEEDFS_SECRET_KEY: optionalText,
  SEAWEEDFS_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be a valid S3 bucket name' })
    .default('templates'),
  SEAWEEDFS_REGION: z.string().default('us-east-1'),

  // PostgreSQL
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(1, 100).default(10),

  // Redis
  REDIS_HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_PORT: int(1, 65535).default(6379),
  REDIS_PASSWORD: optionalText,
  // An ACL user (Redis 6+) instead of the default user; needs REDIS_PASSWORD.
  REDIS_USERNAME: optionalText,
  // TLS to Redis (and to the Sentinels), checked against REDIS_TLS_CA_FILE when set, else the
  // system's CAs.
  REDIS_TLS: bool.default(false),
  REDIS_TLS_CA_FILE: optionalText,
  // The Sentinels' own credentials (their requirepass / ACL user), distinct from the data nodes'.
  REDIS_SENTINEL_USERNAME: optionalText,
  REDIS_SENTINEL_PASSWORD: optionalText,
  // High availability: the Sentinels to ask for the current primary (REDIS_HOST/PORT are then unused).
  REDIS_SENTINELS: optionalText,
  REDIS_SENTINEL_NAME: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'may only contain letters, digits, ., _ and -' })
      .optional(),
  ),
  // Prefix of the keys the API's limiters write (`<prefix>authfail:…`, `<prefix>ratelimit:…`,
  // `<prefix>devtoken:…`) and of the users' event streams (`<prefix>events:<user>`), so
  // deployments sharing one Redis never share counters or see each other's events. BullMQ's
  // keys are `bull:<QUEUE_NAME>:…` (give each deployment its own QUEUE_NAME).
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, {
      message: 'may only contain letters, digits, ., _, : and - (at most 64)',
    })
    .default('batchport:'),
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'may only contain letters, digits, _ and -' })
    .default('batches'),

  // Records store
  RECORDS_STORE: z.enum(['postgres', 'cassandra']).optional(),
  CASSANDRA_CONTACT_POINTS: optionalText,
  CASSANDRA_LOCAL_DC: z.string().default('datacenter1'),
  CASSANDRA_KEYSPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/, { message: 'must be a lowercase CQL identifier' })
    .default('batchport'),
  CASSANDRA_REPLICATION_FACTOR: int(1, 9).default(1),
  // PasswordAuthenticator credentials (both or neither), and TLS checked against
  // CASSANDRA_TLS_CA_FILE when set, else the system's CAs.
  CASSANDRA_USERNAME: optionalText,
  CASSANDRA_PASSWORD: optionalText,
  CASSANDRA_TLS: bool.default(false),
  CASSANDRA_TLS_CA_FILE: optionalText,
  CASSANDRA_CONSISTENCY: z
    .enum(CASSANDRA_CONSISTENCIES, { message: `must be one of ${CASSANDRA_CONSISTENCIES.join(', ')}` })
    .default('LOCAL_QUORUM'),

  // Auth
  JWT_SECRET: optionalText,
  JWT_JWKS_URL: optionalText.pipe(url(['http:', 'https:']).optional()),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  // Longest token lifetime accepted (exp - now), and the clock difference tolerated, in seconds.
  JWT_MAX_AGE: int(60, 30 * 24 * 3600).default(24 * 3600),
  JWT_CLOCK_SKEW: int(0, 300).default(30),

  // Limits
  MAX_FILE_SIZE: int(1, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  MAX_ROWS_PER_BATCH: int(1, 10_000_000).default(200_000),
  // A genuine 10 MB workbook unpacks to ~35 MB; SheetJS needs several times the unpacked size in
  // memory, so this cap is what keeps a zip bomb from taking the worker down (docs/performance.md).
  MAX_UNCOMPRESSED_BYTES: int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120),
  UPLOAD_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(30),
  // Failed authentications per client address and minute before 429 (counted before auth).
  AUTH_FAILURE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(30),

  // Live events (GET /api/batches/events)
  // Time between `: ping` comments on an open stream; below the proxies' idle timeouts.
  EVENTS_HEARTBEAT_MS: int(100, 300_000).default(15_000),
  // Open streams per API process, and per user in one process (a page opens one per tab).
  EVENTS_MAX_STREAMS: int(1, 100_000).default(1_000),
  EVENTS_MAX_STREAMS_PER_USER: int(1, 1_000).default(10),

  // Previews (POST /api/batches/preview) parse in the API's own thread pool, never on its event
  // loop: threads of that pool, previews in progress per process (503 beyond) and per user in
  // one process (429 beyond), and the parse time one preview may take.
  PREVIEW_PARSE_THREADS: int(1, 64).default(2),
  PREVIEW_MAX_CONCURRENT: int(1, 10_000).default(8),
  PREVIEW_MAX_PER_USER: int(1, 1_000).default(2),
  PREVIEW_TIMEOUT_MS: int(1_000, 600_000).default(30_000),

  // Worker
  WORKER_CONCURRENCY: int(1, 32).default(2),
  // Threads that decode, parse and normalise files (one pool per worker process); 0 parses in the
  // job's own thread.
  WORKER_PARSE_THREADS: int(0, 256).default(availableParallelism()),
  // Heap (V8 old generation, MiB) of each parse thread: rows stream through a thread, so its
  // heap stays small, and a firm limit makes V8 collect early instead of growing the process to
  // hundreds of MiB on one 10 MB file. Room for the largest legitimate state, an XLSX shared
  // strings table as large as MAX_UNCOMPRESSED_BYTES (64 MiB of characters by default).
  WORKER_PARSE_THREAD_HEAP_MB: int(32, 16_384).default(256),
  // Parse time of one file in a parse thread (not counting waits for the records store or for
  // storage) after which the batch ends in `error`, not retried: ~10x the slowest 10 MB workbook.
  WORKER_PARSE_TIMEOUT_MS: int(1_000, 3_600_000).default(120_000),
  WORKER_LOCK_DURATION_MS: int(1_000, 600_000).default(30_000),
  // Crashes (lock lost) a job survives before it counts as a poison file; above the fault
  // suite's kill count so ordinary crashes and deploys never end a batch in error.
  WORKER_MAX_STALLED_COUNT: int(1, 1_000).default(10),
  WORKER_HTTP_PORT: int(0, 65535).default(3001),
  JOB_ATTEMPTS: int(1, 20).default(5),
  JOB_BACKOFF_MS: int(10, 600_000).default(2_000),
  // How long a dependency outage (database, queue, storage, records store down) is waited out
  // before a batch ends in `error (retry later)`; bad files fail at once whatever this is.
  JOB_RETRY_WINDOW_MS: int(1_000, 24 * 3_600_000).default(15 * 60_000),
  DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, { message: 'must be a two-letter ISO country code, e.g. US' })
    .default('US'),
  SWEEPER_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
  SWEEPER_GRACE_MS: int(1_000, 86_400_000).default(60_000),

  // Webhooks (docs/hand-off.md)
  WEBHOOK_RETRY_SCHEDULE: retrySchedule.prefault(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(15_000),
  WEBHOOK_SECRET_OVERLAP: duration(0, 30 * 86_400_000).prefault('24h'),
  WEBHOOK_DISABLE_AFTER: duration(1_000, 365 * 86_400_000).prefault('5d'),
  // Loopback, private, unique-local, multicast and unspecified targets; link-local never.
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  // Plain http targets in production (always allowed elsewhere).
  WEBHOOK_ALLOW_HTTP: bool.default(false),
  WEBHOOK_MAX_ENDPOINTS_PER_USER: int(1, 1_000).default(10),
  WEBHOOK_DELIVERER: bool.default(true),
  WEBHOOK_DELIVERY_CONCURRENCY: int(1, 1_000).default(32),
  WEBHOOK_ENDPOINT_CONCURRENCY: int(1, 100).default(4),
  WEBHOOK_POLL_INTERVAL_MS: int(10, 60_000).default(250),
  WEBHOOK_LEASE_MS: int(1_000, 3_600_000).default(60_000),
  // How long finished deliveries (and their attempts) stay in the delivery log.
  WEBHOOK_DELIVERY_RETENTION: duration(86_400_000, 3_650 * 86_400_000).prefault('30d'),
  // Prefix of the links in event bodies, e.g. https://batchport.example.com; absent: paths only.
  WEBHOOK_PUBLIC_URL: optionalText.pipe(url(['http:', 'https:']).optional()),
});

export type Env = z.infer<typeof envSchema>;
