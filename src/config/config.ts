import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * The whole configuration, read from the environment once at start and validated here.
 * Anything invalid stops the process with one line per variable naming what is wrong.
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

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The whole request (headers and body) must arrive within this time; a slow client is cut off.
  HTTP_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(120_000),

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
  // High availability: the Sentinels to ask for the current primary (REDIS_HOST/PORT are then unused).
  REDIS_SENTINELS: optionalText,
  REDIS_SENTINEL_NAME: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'may only contain letters, digits, ., _ and -' })
      .optional(),
  ),
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
  CASSANDRA_CONSISTENCY: z
    .enum(CASSANDRA_CONSISTENCIES, { message: `must be one of ${CASSANDRA_CONSISTENCIES.join(', ')}` })
    .default('LOCAL_QUORUM'),

  // Auth
  JWT_SECRET: optionalText,
  JWT_JWKS_URL: optionalText.pipe(url(['http:', 'https:']).optional()),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,

  // Limits
  MAX_FILE_SIZE: int(1, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  MAX_ROWS_PER_BATCH: int(1, 10_000_000).default(200_000),
  // A genuine 10 MB workbook unpacks to ~35 MB; SheetJS needs several times the unpacked size in
  // memory, so this cap is what keeps a zip bomb from taking the worker down (docs/performance.md).
  MAX_UNCOMPRESSED_BYTES: int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120),
  UPLOAD_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(30),

  // Worker
  WORKER_CONCURRENCY: int(1, 32).default(2),
  WORKER_LOCK_DURATION_MS: int(1_000, 600_000).default(30_000),
  // Crashes (lock lost) a job survives before it counts as a poison file; above the fault
  // suite's kill count so ordinary crashes and deploys never end a batch in error.
  WORKER_MAX_STALLED_COUNT: int(1, 1_000).default(10),
  WORKER_HTTP_PORT: int(0, 65535).default(3001),
  JOB_ATTEMPTS: int(1, 20).default(5),
  JOB_BACKOFF_MS: int(10, 600_000).default(2_000),
  DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, { message: 'must be a two-letter ISO country code, e.g. US' })
    .default('US'),
  SWEEPER_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
  SWEEPER_GRACE_MS: int(1_000, 86_400_000).default(60_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  http: { host: string; port: number; requestTimeoutMs: number };
  logLevel: Env['LOG_LEVEL'];
  storage:
    | { kind: 'local'; rootDir: string }
    | {
        kind: 's3';
        endpoint: string;
        accessKeyId: string;
        secretAccessKey: string;
        bucket: string;
        region: string;
      };
  postgres: { connectionString: string; poolSize: number };
  redis: {
    host: string;
    port: number;
    password: string | undefined;
    /** Set together: connect through these Sentinels to the primary they call `sentinelName`. */
    sentinels?: Array<{ host: string; port: number }>;
    sentinelName?: string;
  };
  queueName: string;
  records:
    | { kind: 'postgres' }
    | {
        kind: 'cassandra';
        contactPoints: string[];
        localDataCenter: string;
        keyspace: string;
        replicationFactor: number;
        consistency: Env['CASSANDRA_CONSISTENCY'];
      };
  auth: {
    secret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
  };
  limits: {
    maxFileSize: number;
    maxRowsPerBatch: number;
    maxUncompressedBytes: number;
    rateLimitPerMinute: number;
    uploadRateLimitPerMinute: number;
  };
  worker: {
    concurrency: number;
    /** How long a crashed worker's job stays locked before another worker resumes it. */
    lockDurationMs: number;
    /** Times a job may lose its worker (stall) before its batch ends in `error` as a poison file. */
    maxStalledCount: number;
    /** Port of the worker role's /healthz, /readyz and /metrics (0: any free port). */
    httpPort: number;
    attempts: number;
    backoffMs: number;
    defaultPhoneRegion: string;
    sweeperIntervalMs: number;
    sweeperGraceMs: number;
  };
}

export { ConfigError };

/** Dev-only secret printed by `npm run services -- env`; production must never run with it. */
const KNOWN_DEV_SECRET_PREFIX = 'batchport-dev-only';

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(source);
  const problems: string[] = [];
  const storage = storageConfig(e, problems);
  const records = recordsConfig(e, problems);
  const redis = redisConfig(e, problems);
  checkAuth(e, problems);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return assemble(e, storage, records, redis);
}

/** Types and ranges of every variable; one problem per bad variable. */
function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) {
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const message =
        issue.code === 'invalid_type' && source[name] === undefined ? 'is required' : issue.message;
      return `${name} ${message}`;
    }),
  );
}

function storageConfig(e: Env, problems: string[]): Config['storage'] {
  if (e.USE_LOCAL_STORAGE) {
    return { kind: 'local', rootDir: e.LOCAL_STORAGE_DIR };
  }
  for (const name of ['SEAWEEDFS_ENDPOINT', 'SEAWEEDFS_ACCESS_KEY', 'SEAWEEDFS_SECRET_KEY'] as const) {
    if (!e[name]) {
      problems.push(`${name} is required when USE_LOCAL_STORAGE=false`);
    }
  }
  return {
    kind: 's3',
    endpoint: e.SEAWEEDFS_ENDPOINT ?? '',
    accessKeyId: e.SEAWEEDFS_ACCESS_KEY ?? '',
    secretAccessKey: e.SEAWEEDFS_SECRET_KEY ?? '',
    bucket: e.SEAWEEDFS_BUCKET,
    region: e.SEAWEEDFS_REGION,
  };
}

/** Cassandra when configured, PostgreSQL records otherwise (the embedded default). */
function recordsConfig(e: Env, problems: string[]): Config['records'] {
  const recordsKind = e.RECORDS_STORE ?? (e.CASSANDRA_CONTACT_POINTS ? 'cassandra' : 'postgres');
  if (recordsKind === 'postgres') {
    return { kind: 'postgres' };
  }
  const contactPoints = (e.CASSANDRA_CONTACT_POINTS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (contactPoints.length === 0) {
    problems.push('CASSANDRA_CONTACT_POINTS is required when RECORDS_STORE=cassandra');
  } else if (
    contactPoints.some((p) => !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(p))
  ) {
    problems.push('CASSANDRA_CONTACT_POINTS must be a comma-separated list of host or host:port');
  }
  return {
    kind: 'cassandra',
    contactPoints,
    localDataCenter: e.CASSANDRA_LOCAL_DC,
    keyspace: e.CASSANDRA_KEYSPACE,
    replicationFactor: e.CASSANDRA_REPLICATION_FACTOR,
    consistency: e.CASSANDRA_CONSISTENCY,
  };
}

/** A single Redis (REDIS_HOST/PORT), or the primary that REDIS_SENTINELS know by REDIS_SENTINEL_NAME. */
function redisConfig(e: Env, problems: string[]): Config['redis'] {
  const single = { host: e.REDIS_HOST, port: e.REDIS_PORT, password: e.REDIS_PASSWORD };
  const sentinels = parseSentinels(e.REDIS_SENTINELS, e.REDIS_SENTINEL_NAME, problems);
  return sentinels && e.REDIS_SENTINEL_NAME
    ? { ...single, sentinels, sentinelName: e.REDIS_SENTINEL_NAME }
    : single;
}

function checkAuth(e: Env, problems: string[]): void {
  if (!e.JWT_SECRET && !e.JWT_JWKS_URL) {
    problems.push('JWT_SECRET or JWT_JWKS_URL is required (run `npm run services -- env` for a dev secret)');
  }
  if (e.JWT_SECRET && e.JWT_SECRET.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (e.NODE_ENV === 'production' && e.JWT_SECRET?.startsWith(KNOWN_DEV_SECRET_PREFIX)) {
    problems.push('JWT_SECRET is the development secret; production needs a real one');
  }
}

function assemble(
  e: Env,
  storage: Config['storage'],
  records: Config['records'],
  redis: Config['redis'],
): Config {
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    storage,
    postgres: { connectionString: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis,
    queueName: e.QUEUE_NAME,
    records,
    auth: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    limits: {
      maxFileSize: e.MAX_FILE_SIZE,
      maxRowsPerBatch: e.MAX_ROWS_PER_BATCH,
      maxUncompressedBytes: e.MAX_UNCOMPRESSED_BYTES,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      uploadRateLimitPerMinute: e.UPLOAD_RATE_LIMIT_PER_MINUTE,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      maxStalledCount: e.WORKER_MAX_STALLED_COUNT,
      httpPort: e.WORKER_HTTP_PORT,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
      sweeperIntervalMs: e.SWEEPER_INTERVAL_MS,
      sweeperGraceMs: e.SWEEPER_GRACE_MS,
    },
  };
}

/**
 * `REDIS_SENTINELS` (`host:port,host:port,…`) with `REDIS_SENTINEL_NAME`: both or neither.
 * Problems are added to `problems`; returns the parsed list when usable.
 */
function parseSentinels(
  raw: string | undefined,
  name: string | undefined,
  problems: string[],
): Array<{ host: string; port: number }> | undefined {
  if (raw === undefined) {
    if (name !== undefined) {
      problems.push('REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not');
    }
    return undefined;
  }
  if (name === undefined) {
    problems.push('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name the Sentinels monitor)');
  }
  const items = raw.split(',').map((p) => p.trim());
  const parsed = items.map((item) => /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(item));
  if (parsed.some((m) => m === null || Number(m[2]) < 1 || Number(m[2]) > 65_535)) {
    problems.push('REDIS_SENTINELS must be a comma-separated list of host:port');
    return undefined;
  }
  return parsed.map((m) => ({ host: m![1]!, port: Number(m![2]) }));
}
