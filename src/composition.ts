import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { cassandraClientFor } from './db/cassandra.js';
import { runMigrations } from './db/migrate.js';
import { createPgPool, type PgPool } from './db/postgres.js';
import { createEventHub, type EventHub } from './events/eventHub.js';
import { createEventPublisher } from './events/eventPublisher.js';
import { publishingBatchRepository, publishingDeletionRepository } from './events/publishingRepositories.js';
import { publishingFixRepository } from './events/publishingFixRepository.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createBatchQueue, type BatchQueue } from './queue/batchQueue.js';
import { createProducerRedis, waitForRedis, workerRedisOptions } from './queue/redisConnection.js';
import {
  createBatchDeletionRepository,
  type BatchDeletionRepository,
} from './repositories/batchDeletionRepository.js';
import { createBatchRepository, type BatchRepository } from './repositories/batchRepository.js';
import {
  createWebhookDeliveryRepository,
  type WebhookDeliveryRepository,
} from './repositories/webhookDeliveryRepository.js';
import {
  createWebhookEndpointRepository,
  type WebhookEndpointRepository,
} from './repositories/webhookEndpointRepository.js';
import { createBatchFixRepository, type BatchFixRepository } from './repositories/batchFixRepository.js';
import {
  createSavedMappingRepository,
  type SavedMappingRepository,
} from './repositories/savedMappingRepository.js';
import type { SavedMappingService } from './services/savedMappingService.js';
import { createPreviewServices } from './previewComposition.js';
import { createCassandraRecordsRepository } from './repositories/records/cassandraRecordsRepository.js';
import { createPostgresRecordsRepository } from './repositories/records/postgresRecordsRepository.js';
import type { RecordsRepository } from './repositories/records/recordsRepository.js';
import { createAuthService, type AuthService } from './services/authService.js';
import { createBatchCleanupService, type BatchCleanupService } from './services/batchCleanupService.js';
import { createBatchService, type BatchService } from './services/batchService.js';
import { createBatchUploadService, type BatchUploadService } from './services/batchUploadService.js';
import type { PreviewService } from './services/previewService.js';
import { createWebhookService, type WebhookService } from './services/webhookService.js';
import { createBatchFixService, type BatchFixService } from './services/fixes/batchFixService.js';
import type { FileStorage } from './storage/fileStorage.js';
import { createLocalStorage } from './storage/localStorage.js';
import { createS3Storage } from './storage/s3Storage.js';
import type { BatchProcessorDeps } from './worker/batchProcessor.js';
import type { WorkerRoleOptions } from './worker/startWorker.js';
import { createSweeper, type SweeperDeps } from './worker/sweeper.js';
import { createReleasedReadingRepository } from './repositories/readings/releasedReadingRepository.js';
import { createReadingReleaseService } from './services/readingReleaseService.js';
import type { DelivererDeps } from './webhooks/deliverer.js';
import { connectKnownContacts, type KnownContactsService } from './contactIndex/contactIndexComposition.js';

/** The adapters: one per external system, each owning its connections. */
export interface Adapters {
  pool: PgPool;
  redis: Redis;
  storage: FileStorage;
  records: RecordsRepository;
  queue: BatchQueue;
  /** Duplicates across batches (issue #21): the contact index of the records store, and its uses. */
  knownContacts: KnownContactsService;
}

export interface Repositories {
  batchRepository: BatchRepository;
  batchDeletionRepository: BatchDeletionRepository;
  webhookEndpointRepository: WebhookEndpointRepository;
  webhookDeliveryRepository: WebhookDeliveryRepository;
  /** Fixes of invalid rows (issue #21); its count update is announced like every batch write. */
  batchFixRepository: BatchFixRepository;
  /** Remembered mappings (issue #21). */
  savedMappingRepository: SavedMappingRepository;
}

export interface Services {
  authService: AuthService;
  cleanup: BatchCleanupService;
  batchService: BatchService;
  batchUploadService: BatchUploadService;
  previewService: PreviewService;
  webhookService: WebhookService;
  batchFixService: BatchFixService;
  savedMappingService: SavedMappingService;
}

/**
 * Everything the process runs on, built once by `buildComponents`. Nothing receives this whole:
 * each role takes the few parts it uses (`apiAppOptions`, `workerOptions`, `sweeperDeps`).
 */
export interface Components extends Adapters, Repositories, Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Reads users' batch events for the API's event streams (connects on first use only). */
  eventHub: EventHub;
  close(): Promise<void>;
}

export function createStorage(config: Config): FileStorage {
  return config.storage.kind === 'local'
    ? createLocalStorage(config.storage.rootDir)
    : createS3Storage(config.storage);
}

export async function createRecordsRepository(config: Config, pool: PgPool): Promise<RecordsRepository> {
  if (config.records.kind === 'postgres') {
    return createPostgresRecordsRepository(pool);
  }
  const client = cassandraClientFor(config.records);
  const records = createCassandraRecordsRepository(client, {
    keyspace: config.records.keyspace,
    replicationFactor: config.records.replicationFactor,
  });
  try {
    await records.init(); // keyspace and tables, idempotently
  } catch (error) {
    await records.close().catch(() => undefined); // the repository owns (and shuts) its client
    throw error;
  }
  return records;
}

/**
 * The services, wired from adapters and repositories. The one place a service is constructed;
 * a test that injects a failing adapter calls this with that adapter swapped in.
 */
export function createServices(
  parts: Pick<Components, 'config' | 'logger'> & Omit<Adapters, 'pool' | 'redis'> & Repositories,
): Services {
  const {
    config,
    logger,
    batchRepository,
    batchDeletionRepository,
    batchFixRepository,
    storage,
    records,
    queue,
  } = parts;
  const cleanup = createBatchCleanupService({ batchDeletionRepository, storage, records, queue, logger });
  // One parse pool in the API: previews, and the upload's read of a header row (issue #21).
  const { previewService, savedMappingService } = createPreviewServices(config, parts);
  return {
    savedMappingService,
    authService: createAuthService(config.auth),
    cleanup,
    batchService: createBatchService({ ...parts, cleanup }),
    batchUploadService: createBatchUploadService({
      batchRepository,
      storage,
      queue,
      logger,
      maxFileSize: config.limits.maxFileSize,
      mappings: savedMappingService,
    }),
    previewService,
    webhookService: createWebhookService({
      endpoints: parts.webhookEndpointRepository,
      deliveries: parts.webhookDeliveryRepository,
      policy: { allowPrivate: config.webhooks.allowPrivateTargets, allowHttp: config.webhooks.allowHttp },
      maxEndpointsPerUser: config.webhooks.maxEndpointsPerUser,
      secretOverlapMs: config.webhooks.secretOverlapMs,
    }),
    batchFixService: createBatchFixService({
      batchRepository,
      fixes: batchFixRepository,
      records,
      knownContacts: parts.knownContacts,
      defaultPhoneRegion: config.worker.defaultPhoneRegion,
    }),
  };
}

/**
 * The composition root. Connects, migrates and wires; a dependency that cannot be reached at
 * start stops the process with a message naming it (better than serving 503s forever).
 */
export async function buildComponents(
  config: Config,
  logger: Logger,
  role: 'api' | 'worker' | 'all',
): Promise<Components> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch(() => undefined);
    }
  };
  try {
    const adapters = await connectAdapters(config, closers);
    const metrics = createMetrics(role);
    // Every batch write, by the API or the worker, is announced to the owner's event stream.
    const eventDeps = { logger, keyPrefix: config.redisKeyPrefix }; // streams under REDIS_KEY_PREFIX
    const publisher = createEventPublisher({ redis: adapters.redis, metrics, ...eventDeps });
    const batchRepository = publishingBatchRepository(createBatchRepository(adapters.pool), publisher);
    const repositories: Repositories = {
      batchRepository,
      batchFixRepository: publishingFixRepository(
        createBatchFixRepository(adapters.pool),
        (id) => batchRepository.findById(id),
        publisher,
      ),
      batchDeletionRepository: publishingDeletionRepository(
        createBatchDeletionRepository(adapters.pool),
        publisher,
      ),
      webhookEndpointRepository: createWebhookEndpointRepository(adapters.pool),
      webhookDeliveryRepository: createWebhookDeliveryRepository(adapters.pool),
      savedMappingRepository: createSavedMappingRepository(adapters.pool),
    };
    const services = createServices({ config, logger, ...adapters, ...repositories });
    const eventHub = createEventHub({
      reader: eventReaderRedis(config),
      control: adapters.redis,
      ...eventDeps,
    });
    closers.push(() => eventHub.close());
    closers.push(() => services.previewService.close());
    // Closed first (closers run in reverse): background clean-ups finish before the pools go.
    closers.push(() => services.cleanup.drain());
    logger.info(
      { storage: adapters.storage.kind, records: adapters.records.kind, queue: config.queueName },
      'dependencies ready',
    );
    return { config, logger, metrics, eventHub, ...adapters, ...repositories, ...services, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Opens every adapter in dependency order; each one's closer is pushed as soon as it exists. */
async function connectAdapters(config: Config, closers: Array<() => Promise<unknown>>): Promise<Adapters> {
  const pool = createPgPool({
    connectionString: config.postgres.connectionString,
    maxConnections: config.postgres.poolSize,
    connectTimeoutMs: 5_000,
    statementTimeoutMs: 30_000,
  });
  closers.push(() => pool.end());
  await step('PostgreSQL', () => runMigrations(pool));
  const redis = createProducerRedis(config.redis);
  closers.push(() => Promise.resolve(redis.disconnect()));
  await step('Redis', () => waitForRedis(redis, 10_000));
  const storage = createStorage(config);
  await step(config.storage.kind === 'local' ? 'local storage' : 'SeaweedFS', () => storage.ping());
  const records = await step(`records store (${config.records.kind})`, () =>
    createRecordsRepository(config, pool),
  );
  closers.push(() => records.close());
  // Issue #21: the contact index; `indexed.records` releases a batch's entries before deleting it.
  const indexed = await step(`contact index (${config.records.kind})`, () =>
    connectKnownContacts(config, pool, records, closers),
  );
  const queue = createBatchQueue(redis, {
    queueName: config.queueName,
    attempts: config.worker.attempts,
    backoffMs: config.worker.backoffMs,
  });
  closers.push(() => queue.close());
  // BullMQ checks the Redis version once (INFO) on this fail-fast connection and keeps a failed
  // check forever: every later queue call then fails at once without reaching Redis. Awaited
  // here, before app building can hold the event loop past the 2 s command timeout
  // (test/integration/roles/separateProcesses.test.ts).
  await step('Redis (job queue)', () => queue.ready());
  return { pool, redis, storage, queue, ...indexed };
}

/** CLIENT LIST shows each API process's one event reader under this name. */
export const EVENT_READER_CONNECTION_NAME = 'batchport-events';

/** The event hub's blocking-read connection: no command timeout, opened on the first stream. */
function eventReaderRedis(config: Config): Redis {
  const reader = new Redis({
    ...workerRedisOptions(config.redis),
    lazyConnect: true,
    connectionName: EVENT_READER_CONNECTION_NAME,
  });
  reader.on('error', () => undefined); // reconnects by itself; the hub logs failed reads
  return reader;
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`cannot start: ${name} is unavailable (${(error as Error).message})`, { cause: error });
  }
}

/** The worker role's slice; `sweep: false` leaves sweeping to the caller (tests sweep by hand). */
export function workerOptions(c: Components, options: { sweep?: boolean } = {}): WorkerRoleOptions {
  const { config } = c;
  return {
    queue: {
      name: config.queueName,
      redis: config.redis,
      concurrency: config.worker.concurrency,
      lockDurationMs: config.worker.lockDurationMs,
    },
    processor: processorDeps(c),
    parseThreads: config.worker.parseThreads,
    parseThreadHeapMb: config.worker.parseThreadHeapMb,
    parseTimeoutMs: config.worker.parseTimeoutMs,
    settings: {
      maxRowsPerBatch: config.limits.maxRowsPerBatch,
      maxUncompressedBytes: config.limits.maxUncompressedBytes,
      defaultPhoneRegion: config.worker.defaultPhoneRegion,
      maxStalledCount: config.worker.maxStalledCount,
      outageRetry: { windowMs: config.worker.retryWindowMs, backoffMs: config.worker.backoffMs },
    },
    sweep:
      options.sweep === false
        ? undefined
        : {
            sweeper: createSweeper(sweeperDeps(c), { graceMs: config.worker.sweeperGraceMs }),
            intervalMs: config.worker.sweeperIntervalMs,
          },
    deliverer: config.webhooks.deliverer ? delivererDeps(c) : undefined,
  };
}

/** The webhook deliverer's slice (it runs in the worker role, WEBHOOK_DELIVERER=true). */
export function delivererDeps(c: Components): DelivererDeps {
  const { webhookDeliveryRepository, metrics, logger, config } = c;
  return { deliveries: webhookDeliveryRepository, metrics, logger, config: config.webhooks };
}

export function processorDeps(c: Components): BatchProcessorDeps {
  const { batchRepository, storage, records, metrics, logger, knownContacts, queue } = c;
  const wakeBatchJob = (batchId: string) => queue.wakeBatchJob(batchId);
  return { batchRepository, storage, records, metrics, logger, contactIndex: knownContacts, wakeBatchJob };
}

export function sweeperDeps(c: Components): SweeperDeps {
  const { batchRepository, batchDeletionRepository, storage, queue, cleanup, metrics, logger } = c;
  const releasedReadings = createReleasedReadingRepository(c.pool);
  const readings = createReadingReleaseService({ releasedReadings, records: c.records, logger });
  return { batchRepository, batchDeletionRepository, storage, queue, cleanup, readings, metrics, logger };
}
