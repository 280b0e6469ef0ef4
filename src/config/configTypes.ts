import type { RedisSettings } from '../queue/redisConnection.js';
import type { Env } from './envSchema.js';

/** The validated configuration every part of the process reads (built by ./config.ts). */
export interface Config {
  env: Env['NODE_ENV'];
  http: { host: string; port: number; requestTimeoutMs: number; trustProxy: string[] };
  /** The API role's /metrics listener (the worker role uses worker.httpPort). */
  ops: { host: string; port: number };
  logLevel: Env['LOG_LEVEL'];
  logFormat: Env['LOG_FORMAT'];
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
  /** Redis (or the Sentinels in front of it), as the queue's connections take it. */
  redis: RedisSettings;
  /** Prefix of the limiters' keys and the event streams in Redis (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
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
        credentials?: { username: string; password: string };
        /** TLS; `caFile` (PEM) replaces the system's CAs. */
        tls?: { caFile?: string };
      };
  auth: {
    secret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    maxAgeSeconds: number;
    clockSkewSeconds: number;
    /** POST /api/dev/token exists: the development secret, outside production. */
    devSignIn: boolean;
  };
  events: { heartbeatMs: number; maxStreams: number; maxStreamsPerUser: number };
  /** The API's preview parsing: its own thread pool and its admission limits. */
  preview: { parseThreads: number; maxConcurrent: number; maxPerUser: number; timeoutMs: number };
  limits: {
    maxFileSize: number;
    maxRowsPerBatch: number;
    maxUncompressedBytes: number;
    rateLimitPerMinute: number;
    uploadRateLimitPerMinute: number;
    authFailureLimitPerMinute: number;
  };
  worker: {
    concurrency: number;
    /** Parse threads of the worker process (0: jobs parse in the main thread). */
    parseThreads: number;
    /** Old-generation heap limit of each parse thread, in MiB. */
    parseThreadHeapMb: number;
    /** Parse time of one file after which the batch ends in `error` (see ParseClock). */
    parseTimeoutMs: number;
    /** How long a crashed worker's job stays locked before another worker resumes it. */
    lockDurationMs: number;
    /** Times a job may lose its worker (stall) before its batch ends in `error` as a poison file. */
    maxStalledCount: number;
    /** Port of the worker role's /healthz, /readyz and /metrics (0: any free port). */
    httpPort: number;
    attempts: number;
    backoffMs: number;
    /** How long dependency outages are waited out before a batch ends in `error (retry later)`. */
    retryWindowMs: number;
    defaultPhoneRegion: string;
    sweeperIntervalMs: number;
    sweeperGraceMs: number;
  };
  webhooks: WebhookConfig;
}

/** Webhook endpoints, signing and the deliverer (docs/hand-off.md). */
export interface WebhookConfig {
  /** Delay before each attempt, the first included (ms); after the last, a delivery is `failed`. */
  retryScheduleMs: number[];
  timeoutMs: number;
  secretOverlapMs: number;
  disableAfterMs: number;
  /** The SSRF guard's switches: private targets (dev and tests), plain http in production. */
  allowPrivateTargets: boolean;
  allowHttp: boolean;
  maxEndpointsPerUser: number;
  /** The worker role runs a deliverer. */
  deliverer: boolean;
  concurrency: number;
  perEndpointConcurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Finished deliveries older than this (created and last attempted) are removed by the deliverer. */
  deliveryRetentionMs: number;
  publicUrl: string | undefined;
}
