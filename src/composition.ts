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
import type { PreviewParsing, PreviewService } from './services/previewService.js';
import { createWebhookService, type WebhookService } from './services/webhookService.js';
import { createBatchFixService, type BatchFixService } from './services/fixes/batchFixService.js';
import type { FileStorage } from './storage/fileStorage.js';
import { createLocalStorage } from './storage/localStorage.js';
import { createS3Storage } from './storage/s3Storage.js';
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
 * What every role builds (`buildCore`): the adapters, the repositories, metrics. The worker role
 * adds the clean-up service (`buildWorkerComponents`, workerComposition.ts); the API role the
 * services and the event hub (`buildComponents`).
 */
export interface CoreComponents extends Adapters, Repositories {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Everything the API role (and `npm start`, both roles in one process) runs on. Nothing receives
 * this whole: each role takes the few parts it uses (`apiAppOptions`, `workerOptions`,
 * `sweeperDeps`).
 */
export interface Components extends CoreComponents, Services {
  /** Reads users' batch events for the API's event streams (connects on first use only). */
  eventHub: EventHub;
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

/** The batch clean-up service (both roles build one: the API for deletes, the worker's sweeper). */
export function createCleanup(
  parts: Pick<Components, 'batchDeletionRepository' | 'storage' | 'records' | 'queue' | 'logger'>,
): BatchCleanupService {
  const { batchDeletionRepository, storage, records, queue, logger } = parts;
  return createBatchCleanupService({ batchDeletionRepository, storage, records, queue, logger });
}

/**
 * What a test over in-memory stores swaps when it builds the services (test/support/buildTestApp.ts):
 * production passes none.
 */
export interface ServiceSeams {
  /** Where previews parse; default: the API's parse pool, started by the first preview. */
  parsing?: PreviewParsing;
  /** The batch clean-up; default: the real one over the given adapters. */
  cleanup?: BatchCleanupService;
}

/**
 * The services, wired from adapters and repositories. The one place a service is constructed;
 * a test that injects a failing adapter calls this with that adapter swapped in, and the HTTP
 * layer's tests call it over in-memory stores.
 */
export function createServices(
  parts: Pick<Components, 'config' | 'logger'> & Omit<Adapters, 'pool' | 'redis'> & Repositories,
  seams: ServiceSeams = {},
): Services {
  const { config, logger, batchRepository, batchFixRepository, storage, records, queue } = parts;
  const cleanup = seams.cleanup ?? createCleanup(parts);
  // One parse pool in the API: previews, and the upload's read of a header row (issue #21).
  const { previewService, savedMappingService } = createPreviewServices(config, parts, seams.parsing);
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
 * The composition root's common part. Connects, migrates and wires the adapters and
 * repositories; a dependency that cannot be reached at start stops the process with a message
 * naming it (better than serving 503s forever). The caller adds its role's parts and closers.
 */
export async function buildCore(
  config: Config,
  logger: Logger,
  role: 'api' | 'worker' | 'all',
  closers: Array<() => Promise<unknown>>,
): Promise<CoreComponents> {
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch(() => undefined);
    }
  };
  try {
    const adapters = await connectAdapters(config, closers);
    const metrics = createMetrics(role);
    // Every batch write, by the API or the worker, is announced to the owner's event stream.
    const publisher = createEventPublisher({
      redis: adapters.redis,
      metrics,
      logger,
      keyPrefix: config.redisKeyPrefix, // streams under REDIS_KEY_PREFIX
    });
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
    logger.info(
      { storage: adapters.storage.kind, records: adapters.records.kind, queue: config.queueName },
      'dependencies ready',
    );
    return { config, logger, metrics, ...adapters, ...repositories, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The API role (or both roles in one process): the core, the services and the event hub. */
export async function buildComponents(
  config: Config,
  logger: Logger,
  role: 'api' | 'all',
): Promise<Components> {
  const closers: Array<() => Promise<unknown>> = [];
  const core = await buildCore(config, logger, role, closers);
  try {
    const services = createServices(core);
    const eventHub = createEventHub({
      reader: eventReaderRedis(config),
      control: core.redis,
      logger,
      keyPrefix: config.redisKeyPrefix,
    });
    closers.push(() => eventHub.close());
    closers.push(() => services.previewService.close());
    // Closed first (closers run in reverse): background clean-ups finish before the pools go.
    closers.push(() => services.cleanup.drain());
    return { ...core, ...services, eventHub };
  } catch (error) {
    await core.close();
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
