import { Worker } from 'bullmq';
import type { ProcessBatchJobData } from '../queue/batchQueue.js';
import { workerRedisOptions, type RedisSettings } from '../queue/redisConnection.js';
import {
  createBatchProcessor,
  type BatchProcessorDeps,
  type JobOutcome,
  type ProcessorSettings,
} from './batchProcessor.js';
import { POISON_FILE_MESSAGE } from './poisonFile.js';
import { createParsePool } from './parsePool.js';
import type { Sweeper } from './sweeper.js';
import { startDeliverer, type DelivererDeps } from '../webhooks/deliverer.js';
import { heapWarning } from './workerHeap.js';

/** What the worker role uses: its queue, the processor's dependencies, optionally a sweeper. */
export interface WorkerRoleOptions {
  queue: { name: string; redis: RedisSettings; concurrency: number; lockDurationMs: number };
  processor: BatchProcessorDeps;
  settings: ProcessorSettings;
  /** Sweeps every `intervalMs`; absent: this process does not sweep. */
  sweep?: { sweeper: Sweeper; intervalMs: number } | undefined;
  /** Threads that parse files (one pool per process); 0 or absent: jobs parse in this thread. */
  parseThreads?: number;
  /** Heap limit of each parse thread (MiB); absent: the pool's default. */
  parseThreadHeapMb?: number;
  /** Parse time of one file after which its batch ends in `error` (WORKER_PARSE_TIMEOUT_MS). */
  parseTimeoutMs?: number;
  /** Runs a webhook deliverer beside the jobs; absent: this process delivers none. */
  deliverer?: DelivererDeps | undefined;
}

export interface RunningWorker {
  worker: Worker<ProcessBatchJobData, JobOutcome>;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then hands the rest back. */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts the BullMQ worker (and, when given one, the sweeper's timer). */
export function startWorker(options: WorkerRoleOptions): RunningWorker {
  const { queue, settings } = options;
  const { logger, batchRepository } = options.processor;
  const threads = options.parseThreads ?? 0;
  const pool =
    threads > 0
      ? createParsePool(threads, {
          heapMb: options.parseThreadHeapMb,
          parseTimeoutMs: options.parseTimeoutMs,
        })
      : undefined;
  const processor = createBatchProcessor(options.processor, { ...settings, openParser: pool?.open });
  const worker = new Worker<ProcessBatchJobData, JobOutcome>(
    queue.name,
    (job, token) => processor.process(job, token),
    {
      connection: workerRedisOptions(queue.redis),
      concurrency: queue.concurrency,
      // A killed worker's job is picked up again after the lock expires (a "stall"). The processor
      // ends the batch in `error` on the pickup after the maxStalledCount-th stall, before reading
      // the file again; BullMQ's own limit (one stall later) is the fallback handled below.
      maxStalledCount: settings.maxStalledCount,
      lockDuration: queue.lockDurationMs,
      stalledInterval: queue.lockDurationMs,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'worker connection error'));
  // Fallback: a worker died again while the processor was refusing the file, so BullMQ failed
  // the job itself without calling the processor. Recognised by its stall count, not its text.
  worker.on('failed', (job) => {
    if (job && job.stalledCounter > settings.maxStalledCount) {
      void batchRepository
        .markError(job.data.batchId, job.data.attempt, POISON_FILE_MESSAGE)
        .catch((markError: unknown) => logger.error({ err: markError }, 'could not record a stalled job'));
    }
  });
  const stopSweeping = options.sweep ? sweepEvery(options.sweep, logger) : () => Promise.resolve();
  const deliverer = options.deliverer ? startDeliverer(options.deliverer) : undefined;
  const heapShort = heapWarning(queue.concurrency);
  if (heapShort) {
    logger.warn(heapShort);
  }
  logger.info({ queue: queue.name, concurrency: queue.concurrency, parseThreads: threads }, 'worker started');

  return {
    worker,
    async close(timeoutMs = 25_000) {
      await stopSweeping();
      await deliverer?.close();
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
      await pool?.close();
    },
  };
}

/** Runs the sweeper on a timer, one round at a time; returns a stop that waits for the round. */
function sweepEvery(
  { sweeper, intervalMs }: { sweeper: Sweeper; intervalMs: number },
  logger: BatchProcessorDeps['logger'],
): () => Promise<void> {
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepRunning = false;
  const timer = setInterval(() => {
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
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await sweeping;
  };
}
