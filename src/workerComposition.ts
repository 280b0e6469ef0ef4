import type { Logger } from 'pino';
import { buildCore, createCleanup, type CoreComponents } from './composition.js';
import type { Config } from './config/config.js';
import { createReleasedReadingRepository } from './repositories/readings/releasedReadingRepository.js';
import type { BatchCleanupService } from './services/batchCleanupService.js';
import { createReadingReleaseService } from './services/readingReleaseService.js';
import type { DelivererDeps } from './webhooks/deliverer.js';
import type { BatchProcessorDeps } from './worker/batchProcessor.js';
import type { WorkerRoleOptions } from './worker/startWorker.js';
import { createSweeper, type SweeperDeps } from './worker/sweeper.js';

/**
 * What the worker role runs on: the common core and the clean-up service (the sweeper's). No API
 * service (authentication, upload, preview and its parse pool, fixes, webhooks management) and
 * no event hub: a worker process serves only its probes. `Components` (the API's, and
 * `npm start`'s) has all of this too, so every selector below also takes it.
 */
export interface WorkerComponents extends CoreComponents {
  cleanup: BatchCleanupService;
}

/** The worker role's composition root (`npm run worker`). */
export async function buildWorkerComponents(config: Config, logger: Logger): Promise<WorkerComponents> {
  const closers: Array<() => Promise<unknown>> = [];
  const core = await buildCore(config, logger, 'worker', closers);
  const cleanup = createCleanup(core);
  // Closed first (closers run in reverse): background clean-ups finish before the pools go.
  closers.push(() => cleanup.drain());
  return { ...core, cleanup };
}

/** The worker role's slice; `sweep: false` leaves sweeping to the caller (tests sweep by hand). */
export function workerOptions(c: WorkerComponents, options: { sweep?: boolean } = {}): WorkerRoleOptions {
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
export function delivererDeps(c: WorkerComponents): DelivererDeps {
  const { webhookDeliveryRepository, metrics, logger, config } = c;
  return { deliveries: webhookDeliveryRepository, metrics, logger, config: config.webhooks };
}

export function processorDeps(c: WorkerComponents): BatchProcessorDeps {
  const { batchRepository, storage, records, metrics, logger, knownContacts, queue } = c;
  return {
    batchRepository,
    storage,
    records,
    metrics,
    logger,
    contactIndex: knownContacts,
    wakeBatchJob: (batchId) => queue.wakeBatchJob(batchId),
    batchJobsRunning: (batchIds) => queue.batchJobsRunning(batchIds),
  };
}

export function sweeperDeps(c: WorkerComponents): SweeperDeps {
  const { batchRepository, batchDeletionRepository, storage, queue, cleanup, metrics, logger } = c;
  const releasedReadings = createReleasedReadingRepository(c.pool);
  const readings = createReadingReleaseService({ releasedReadings, records: c.records, logger });
  return { batchRepository, batchDeletionRepository, storage, queue, cleanup, readings, metrics, logger };
}
