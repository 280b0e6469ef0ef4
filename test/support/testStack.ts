import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { apiAppOptions, readinessChecks } from '../../src/apiServer.js';
import type { Redis } from 'ioredis';
import { buildComponents, type Components } from '../../src/composition.js';
import type { KnownContactsService } from '../../src/contactIndex/contactIndexComposition.js';
import type { PgPool } from '../../src/db/postgres.js';
import type { BatchQueue } from '../../src/queue/batchQueue.js';
import type { BatchDeletionRepository } from '../../src/repositories/batchDeletionRepository.js';
import type { BatchRepository } from '../../src/repositories/batchRepository.js';
import type { RecordsRepository } from '../../src/repositories/records/recordsRepository.js';
import type { WebhookDeliveryRepository } from '../../src/repositories/webhookDeliveryRepository.js';
import type { WebhookEndpointRepository } from '../../src/repositories/webhookEndpointRepository.js';
import type { BatchCleanupService } from '../../src/services/batchCleanupService.js';
import type { FileStorage } from '../../src/storage/fileStorage.js';
import { workerOptions } from '../../src/workerComposition.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { buildOpsApp } from '../../src/http/opsApp.js';
import { startWorker, type RunningWorker } from '../../src/worker/startWorker.js';
import { openQueueInspector, type QueueInspector } from './queueInspector.js';

export type StorageKind = 'local' | 's3';
export type RecordsKind = 'postgres' | 'cassandra';

export interface StackOptions {
  storage: StorageKind;
  records: RecordsKind;
  env?: Record<string, string>;
  worker?: boolean;
  /** Extra routes or hooks to register before the server starts listening (benchmarks). */
  beforeListen?: (app: FastifyInstance) => Promise<void> | void;
}

export interface TestStack {
  config: Config;
  /** The environment the stack was configured from (to start worker processes alike). */
  env: Record<string, string>;
  /**
   * The stores the stack runs on, each behind its own interface: what tests set up and assert
   * through (raw SQL where a test checks a row the API does not show).
   */
  db: PgPool;
  storage: FileStorage;
  records: RecordsRepository;
  queue: BatchQueue;
  redis: Redis;
  batches: BatchRepository;
  deletions: BatchDeletionRepository;
  cleanup: BatchCleanupService;
  knownContacts: KnownContactsService;
  webhookEndpoints: WebhookEndpointRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  /**
   * What the composition root built, only as the role builders' input: a test that starts another
   * worker, sweeper, processor or app builds it as production does (`workerOptions`,
   * `sweeperDeps`, `processorDeps`, `apiAppOptions`, `createServices`), never field by field.
   */
  components: Components;
  /** The stack's BullMQ queue as tests inspect it (job state, attempts, stall counts). */
  jobs: QueueInspector;
  app: FastifyInstance;
  baseUrl: string;
  /** The ops listener (/metrics, /healthz, /readyz), as the API role serves it on OPS_PORT. */
  opsUrl: string;
  worker: RunningWorker | undefined;
  localDir: string;
  close(): Promise<void>;
}

/**
 * A real API (listening on loopback) over the real services, with its own queue name and local
 * storage folder so test files never see each other's jobs or files.
 */
export async function startStack(options: StackOptions): Promise<TestStack> {
  const localDir = await mkdtemp(join(tmpdir(), 'batchport-test-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    USE_LOCAL_STORAGE: options.storage === 'local' ? 'true' : 'false',
    LOCAL_STORAGE_DIR: localDir,
    RECORDS_STORE: options.records,
    QUEUE_NAME: `test-${randomUUID()}`,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '100000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    JOB_BACKOFF_MS: '200',
    // Test files share one database: only the webhook tests, which set their own schedule and
    // target policy, run a deliverer (another file's would claim their deliveries).
    WEBHOOK_DELIVERER: 'false',
    SWEEPER_INTERVAL_MS: '3600000',
    // Worker processes spawned by tests take any free port for their probes.
    WORKER_HTTP_PORT: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = pino({ level: config.logLevel });
  const deps = await buildComponents(config, logger, 'all');
  const jobs = openQueueInspector(config);
  const app = await buildApp(apiAppOptions(deps));
  await options.beforeListen?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') {
    throw new Error('no address');
  }
  const opsApp = await buildOpsApp({ logger, metrics: deps.metrics, readiness: readinessChecks(deps) });
  const opsUrl = await opsApp.listen({ host: '127.0.0.1', port: 0 });
  const worker = options.worker ? startWorker(workerOptions(deps, { sweep: false })) : undefined;
  return {
    config,
    env,
    db: deps.pool,
    storage: deps.storage,
    records: deps.records,
    queue: deps.queue,
    redis: deps.redis,
    batches: deps.batchRepository,
    deletions: deps.batchDeletionRepository,
    cleanup: deps.cleanup,
    knownContacts: deps.knownContacts,
    webhookEndpoints: deps.webhookEndpointRepository,
    webhookDeliveries: deps.webhookDeliveryRepository,
    components: deps,
    jobs,
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    opsUrl,
    worker,
    localDir,
    async close() {
      await app.close();
      await opsApp.close();
      await worker?.close(5_000);
      await jobs.obliterate().catch(() => undefined);
      await jobs.close();
      await deps.close();
      await rm(localDir, { recursive: true, force: true });
    },
  };
}

export interface TokenOptions {
  sub?: string;
  email?: string;
  secret?: string;
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  alg?: 'HS256';
  extra?: Record<string, unknown>;
}

export async function tokenFor(options: TokenOptions = {}): Promise<string> {
  const secret = options.secret ?? process.env['JWT_SECRET']!;
  const claims: Record<string, unknown> = { ...options.extra };
  if (options.email !== undefined) {
    claims['email'] = options.email;
  }
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 600));
  if (options.sub !== undefined) {
    jwt = jwt.setSubject(options.sub);
  }
  if (options.issuer) {
    jwt = jwt.setIssuer(options.issuer);
  }
  if (options.audience) {
    jwt = jwt.setAudience(options.audience);
  }
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A fresh user with a valid token. */
export async function newUser(prefix = 'user'): Promise<{ id: string; email: string; token: string }> {
  const id = `${prefix}-${randomUUID()}`;
  const email = `${id}@example.com`;
  return { id, email, token: await tokenFor({ sub: id, email }) };
}

export function uploadForm(content: Buffer | string, filename: string, field = 'file'): FormData {
  const form = new FormData();
  form.append(
    field,
    new Blob([new Uint8Array(typeof content === 'string' ? Buffer.from(content) : content)]),
    filename,
  );
  return form;
}

export async function api(
  stack: TestStack,
  path: string,
  init: { method?: string; token?: string; body?: FormData | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) {
    headers['authorization'] = `Bearer ${init.token}`;
  }
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body ?? null,
  });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Polls the batch status until `done` says so or the timeout passes. */
export async function waitForStatus(
  stack: TestStack,
  token: string,
  id: string,
  done: (status: string) => boolean = (s) => s === 'loaded' || s === 'error',
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(stack, `/api/batches/${id}/status`, { token });
    if (res.status === 200 && done(res.body.status)) {
      return res.body;
    }
    if (Date.now() > deadline) {
      throw new Error(`batch ${id} still ${JSON.stringify(res.body)} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
