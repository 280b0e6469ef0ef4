import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Config } from './configTypes.js';
import { envSchema, type Env } from './envSchema.js';
import { isLoopbackName } from '../loopbackHost.js';
import { weakSecretProblem } from './secretStrength.js';

/**
 * The whole configuration, read from the environment once at start and validated here
 * (variables: ./envSchema.ts). Anything invalid stops the process with one line per variable
 * naming what is wrong.
 */
export type { Env };
export { CASSANDRA_CONSISTENCIES, type CassandraConsistency } from './envSchema.js';
export type { Config, WebhookConfig } from './configTypes.js';

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
  if (e.WEBHOOK_LEASE_MS < e.WEBHOOK_TIMEOUT_MS + 1_000) {
    // A lease shorter than an attempt would let a second deliverer send while the first still waits.
    problems.push('WEBHOOK_LEASE_MS must exceed WEBHOOK_TIMEOUT_MS by at least 1000');
  }
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
  const credentials = pairOrNeither(
    ['CASSANDRA_USERNAME', e.CASSANDRA_USERNAME],
    ['CASSANDRA_PASSWORD', e.CASSANDRA_PASSWORD],
    problems,
  );
  return {
    kind: 'cassandra',
    contactPoints,
    localDataCenter: e.CASSANDRA_LOCAL_DC,
    keyspace: e.CASSANDRA_KEYSPACE,
    replicationFactor: e.CASSANDRA_REPLICATION_FACTOR,
    consistency: e.CASSANDRA_CONSISTENCY,
    ...(credentials && { credentials: { username: credentials[0], password: credentials[1] } }),
    ...tlsConfig('CASSANDRA', e.CASSANDRA_TLS, e.CASSANDRA_TLS_CA_FILE, problems),
  };
}

/** Both set, or neither (a username without its password is a mistake, not a choice). */
function pairOrNeither(
  [nameA, a]: [string, string | undefined],
  [nameB, b]: [string, string | undefined],
  problems: string[],
): [string, string] | undefined {
  if (a !== undefined && b !== undefined) {
    return [a, b];
  }
  if (a !== undefined || b !== undefined) {
    problems.push(`${nameA} and ${nameB} go together: set both or neither`);
  }
  return undefined;
}

/** `{ tls: { caFile? } }` when `<SERVICE>_TLS` is on; a CA file must be readable at start. */
function tlsConfig(
  service: 'REDIS' | 'CASSANDRA',
  on: boolean,
  caFile: string | undefined,
  problems: string[],
): { tls?: { caFile?: string } } {
  if (caFile !== undefined && !on) {
    problems.push(`${service}_TLS_CA_FILE is set but ${service}_TLS is not true`);
  }
  if (caFile !== undefined && !isReadableFile(caFile)) {
    problems.push(`${service}_TLS_CA_FILE ${caFile} is not a readable file`);
  }
  return on ? { tls: caFile === undefined ? {} : { caFile } } : {};
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A single Redis (REDIS_HOST/PORT), or the primary that REDIS_SENTINELS know by REDIS_SENTINEL_NAME. */
function redisConfig(e: Env, problems: string[]): Config['redis'] {
  if (e.REDIS_USERNAME !== undefined && e.REDIS_PASSWORD === undefined) {
    problems.push("REDIS_USERNAME needs REDIS_PASSWORD (the ACL user's password)");
  }
  const single = {
    host: e.REDIS_HOST,
    port: e.REDIS_PORT,
    password: e.REDIS_PASSWORD,
    ...(e.REDIS_USERNAME !== undefined && { username: e.REDIS_USERNAME }),
    ...tlsConfig('REDIS', e.REDIS_TLS, e.REDIS_TLS_CA_FILE, problems),
  };
  const sentinels = parseSentinels(e.REDIS_SENTINELS, e.REDIS_SENTINEL_NAME, problems);
  if (!sentinels && (e.REDIS_SENTINEL_USERNAME !== undefined || e.REDIS_SENTINEL_PASSWORD !== undefined)) {
    problems.push('REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD are set but REDIS_SENTINELS is not');
  }
  if (e.REDIS_SENTINEL_USERNAME !== undefined && e.REDIS_SENTINEL_PASSWORD === undefined) {
    problems.push('REDIS_SENTINEL_USERNAME needs REDIS_SENTINEL_PASSWORD');
  }
  return sentinels && e.REDIS_SENTINEL_NAME
    ? {
        ...single,
        sentinels,
        sentinelName: e.REDIS_SENTINEL_NAME,
        ...(e.REDIS_SENTINEL_USERNAME !== undefined && { sentinelUsername: e.REDIS_SENTINEL_USERNAME }),
        ...(e.REDIS_SENTINEL_PASSWORD !== undefined && { sentinelPassword: e.REDIS_SENTINEL_PASSWORD }),
      }
    : single;
}

function checkAuth(e: Env, problems: string[]): void {
  if (!e.JWT_SECRET && !e.JWT_JWKS_URL) {
    problems.push('JWT_SECRET or JWT_JWKS_URL is required (run `npm run services -- env` for a dev secret)');
  }
  if (e.JWT_SECRET && e.JWT_SECRET.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  const weak = e.NODE_ENV === 'production' && e.JWT_SECRET ? weakSecretProblem(e.JWT_SECRET) : undefined;
  if (weak) {
    problems.push(weak);
  }
  // The development secret signs a token for anyone (POST /api/dev/token): only on this machine.
  if (e.JWT_SECRET?.toLowerCase().startsWith(KNOWN_DEV_SECRET_PREFIX) && !isLoopbackName(e.HOST)) {
    problems.push(
      `HOST=${e.HOST} is not a loopback address: the development JWT secret is only allowed on 127.0.0.1, ::1 or localhost`,
    );
  }
  // Without them any token signed with the key is accepted, whoever it was minted for.
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
    if (e.NODE_ENV === 'production' && !e[name]) {
      problems.push(`${name} is required when NODE_ENV=production`);
    }
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
    http: {
      host: e.HOST,
      port: e.PORT,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      trustProxy: (e.TRUST_PROXY ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    },
    ops: { host: e.OPS_HOST, port: e.OPS_PORT },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    storage,
    postgres: { connectionString: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    queueName: e.QUEUE_NAME,
    records,
    auth: {
      secret: e.JWT_SECRET,
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxAgeSeconds: e.JWT_MAX_AGE,
      clockSkewSeconds: e.JWT_CLOCK_SKEW,
      devSignIn: e.NODE_ENV !== 'production' && (e.JWT_SECRET?.startsWith(KNOWN_DEV_SECRET_PREFIX) ?? false),
    },
    events: {
      heartbeatMs: e.EVENTS_HEARTBEAT_MS,
      maxStreams: e.EVENTS_MAX_STREAMS,
      maxStreamsPerUser: e.EVENTS_MAX_STREAMS_PER_USER,
    },
    preview: {
      parseThreads: e.PREVIEW_PARSE_THREADS,
      maxConcurrent: e.PREVIEW_MAX_CONCURRENT,
      maxPerUser: e.PREVIEW_MAX_PER_USER,
      timeoutMs: e.PREVIEW_TIMEOUT_MS,
    },
    limits: {
      maxFileSize: e.MAX_FILE_SIZE,
      maxRowsPerBatch: e.MAX_ROWS_PER_BATCH,
      maxUncompressedBytes: e.MAX_UNCOMPRESSED_BYTES,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      uploadRateLimitPerMinute: e.UPLOAD_RATE_LIMIT_PER_MINUTE,
      authFailureLimitPerMinute: e.AUTH_FAILURE_LIMIT_PER_MINUTE,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      parseThreads: e.WORKER_PARSE_THREADS,
      parseThreadHeapMb: e.WORKER_PARSE_THREAD_HEAP_MB,
      parseTimeoutMs: e.WORKER_PARSE_TIMEOUT_MS,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      maxStalledCount: e.WORKER_MAX_STALLED_COUNT,
      httpPort: e.WORKER_HTTP_PORT,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      retryWindowMs: e.JOB_RETRY_WINDOW_MS,
      defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
      sweeperIntervalMs: e.SWEEPER_INTERVAL_MS,
      sweeperGraceMs: e.SWEEPER_GRACE_MS,
    },
    webhooks: {
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      allowHttp: e.NODE_ENV !== 'production' || e.WEBHOOK_ALLOW_HTTP,
      maxEndpointsPerUser: e.WEBHOOK_MAX_ENDPOINTS_PER_USER,
      deliverer: e.WEBHOOK_DELIVERER,
      concurrency: e.WEBHOOK_DELIVERY_CONCURRENCY,
      perEndpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      leaseMs: e.WEBHOOK_LEASE_MS,
      deliveryRetentionMs: e.WEBHOOK_DELIVERY_RETENTION,
      publicUrl: e.WEBHOOK_PUBLIC_URL?.replace(/\/+$/, ''),
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
