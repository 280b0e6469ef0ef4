import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { createCassandraClient } from './db/cassandra.js';
import { runMigrations } from './db/migrate.js';
import { createPgPool, type PgPool } from './db/postgres.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createProducerRedis, waitForRedis } from './queue/redisConnection.js';
import { createQueueService, type QueueService } from './queue/queueService.js';
import {
  createBatchDeletionRepository,
  type BatchDeletionRepository,
} from './repositories/batchDeletionRepository.js';
import { createBatchRepository, type BatchRepository } from './repositories/batchRepository.js';
import { createCassandraRecordsRepository } from './repositories/records/cassandraRecordsRepository.js';
import { createPostgresRecordsRepository } from './repositories/records/postgresRecordsRepository.js';
import type { RecordsRepository } from './repositories/records/recordsRepository.js';
import { createBatchCleanupService, type BatchCleanupService } from './services/batchCleanupService.js';
import { createLocalStorage } from './storage/localStorage.js';
import { createS3Storage } from './storage/s3Storage.js';
import type { StorageService } from './storage/storageService.js';

/** Every long-lived dependency, built once here and passed by hand to whoever needs it. */
export interface Deps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  pool: PgPool;
  redis: Redis;
  storage: StorageService;
  records: RecordsRepository;
  queue: QueueService;
  batchRepository: BatchRepository;
  batchDeletionRepository: BatchDeletionRepository;
  cleanup: BatchCleanupService;
  close(): Promise<void>;
}

export function createStorage(config: Config): StorageService {
  return config.storage.kind === 'local'
    ? createLocalStorage(config.storage.rootDir)
    : createS3Storage(config.storage);
}

export async function createRecordsRepository(config: Config, pool: PgPool): Promise<RecordsRepository> {
  if (config.records.kind === 'postgres') {
    return createPostgresRecordsRepository(pool);
  }
  const client = createCassandraClient({
    contactPoints: config.records.contactPoints,
    localDataCenter: config.records.localDataCenter,
  });
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
 * The composition root. Connects, migrates and wires; a dependency that cannot be reached at
 * start stops the process with a message naming it (better than serving 503s forever).
 */
export async function createDeps(
  config: Config,
  logger: Logger,
  role: 'api' | 'worker' | 'all',
): Promise<Deps> {
  const metrics = createMetrics(role);
  const pool = createPgPool({
    connectionString: config.postgres.connectionString,
    maxConnections: config.postgres.poolSize,
    connectTimeoutMs: 5_000,
    statementTimeoutMs: 30_000,
  });
  const closers: Array<() => Promise<unknown>> = [() => pool.end()];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch(() => undefined);
    }
  };
  try {
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
    const queue = createQueueService(redis, {
      queueName: config.queueName,
      attempts: config.worker.attempts,
      backoffMs: config.worker.backoffMs,
    });
    closers.push(() => queue.close());
    // BullMQ checks the Redis version once (INFO) on this fail-fast connection and keeps a failed
    // check forever: every later queue call then fails at once without reaching Redis. Awaited
    // here, before app building can hold the event loop past the 2 s command timeout.
    await step('Redis (job queue)', () => queue.queue.waitUntilReady());
    const batchRepository = createBatchRepository(pool);
    const batchDeletionRepository = createBatchDeletionRepository(pool);
    const cleanup = createBatchCleanupService({ batchDeletionRepository, storage, records, queue, logger });
    logger.info(
      { storage: storage.kind, records: records.kind, queue: config.queueName },
      'dependencies ready',
    );
    return {
      config,
      logger,
      metrics,
      pool,
      redis,
      storage,
      records,
      queue,
      batchRepository,
      batchDeletionRepository,
      cleanup,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`cannot start: ${name} is unavailable (${(error as Error).message})`, { cause: error });
  }
}
