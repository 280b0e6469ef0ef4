import { Worker } from 'bullmq';
import type { Deps } from '../composition.js';
import type { ProcessBatchJobData } from '../queue/queueService.js';
import { workerRedisOptions } from '../queue/redisConnection.js';
import { createBatchProcessor, type JobOutcome } from './batchProcessor.js';
import { createSweeper } from './sweeper.js';

export interface RunningWorker {
  worker: Worker<ProcessBatchJobData, JobOutcome>;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then hands the rest back. */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts the BullMQ worker and the sweeper on the dependencies of the composition root. */
export function startWorker(deps: Deps, options: { runSweeper?: boolean } = {}): RunningWorker {
  const { config, logger } = deps;
  const processor = createBatchProcessor(deps, {
    maxRowsPerBatch: config.limits.maxRowsPerBatch,
    maxUncompressedBytes: config.limits.maxUncompressedBytes,
    defaultPhoneRegion: config.worker.defaultPhoneRegion,
  });
  const worker = new Worker<ProcessBatchJobData, JobOutcome>(
    config.queueName,
    (job) => processor.process(job),
    {
      connection: workerRedisOptions(config.redis),
      concurrency: config.worker.concurrency,
      // A killed worker's job is picked up again after the lock expires. Ordinary crashes and
      // deploys are survived many times over; a file that kills its worker this often is a
      // poison file and ends in `error` (see the 'failed' handler below).
      maxStalledCount: 10,
      lockDuration: config.worker.lockDurationMs,
      stalledInterval: config.worker.lockDurationMs,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'worker connection error'));
  // BullMQ fails a job that stalled too often (its worker died each time, e.g. out of memory on
  // this file) without calling the processor; record it, or the sweeper would re-queue it forever.
  worker.on('failed', (job, error) => {
    if (job && /stalled more than allowable limit/i.test(error.message)) {
      const message =
        'processing stopped repeatedly while reading this file; split it into smaller files and upload again';
      void deps.batchRepository
        .markError(job.data.batchId, job.data.attempt, message)
        .catch((markError: unknown) => logger.error({ err: markError }, 'could not record a stalled job'));
    }
  });

  const sweeper = createSweeper(deps, { graceMs: config.worker.sweeperGraceMs });
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepRunning = false;
  const timer =
    options.runSweeper === false
      ? undefined
      : setInterval(() => {
          if (sweepRunning) {
            return; // a slow round (large backlog, slow storage) is not stacked with the next
          }
          sweepRunning = true;
          sweeping = sweeper
            .sweep()
            .catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'))
            .finally(() => {
              sweepRunning = false;
            });
        }, config.worker.sweeperIntervalMs);
  timer?.unref();
  logger.info({ queue: config.queueName, concurrency: config.worker.concurrency }, 'worker started');

  return {
    worker,
    async close(timeoutMs = 25_000) {
      if (timer) {
        clearInterval(timer);
      }
      await sweeping;
      // close() waits for active jobs; if they outlast the budget, force-close so their locks
      // lapse and another worker resumes them (processing is idempotent).
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timeout = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
      clearTimeout(timeout);
      if (result === 'timeout') {
        logger.warn('active jobs did not finish in time; handing them back');
        await worker.close(true);
      }
    },
  };
}
