import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisUnavailable } from './redisErrors.js';

export const PROCESS_BATCH_JOB = 'process-batch';

/** Job payload: ids only, never file bytes or personal data. */
export interface ProcessBatchJobData {
  batchId: string;
  attempt: number;
  /** Set by the worker while a dependency is down (src/worker/jobFailure.ts): when it began, tries since. */
  outage?: { since: number; tries: number };
  /** Times workers without the batch's store left this job for another (src/worker/storeCheck.ts). */
  foreignDeferrals?: number;
  /**
   * Set once every row is written and the job was put back until its user's earlier batches
   * load (src/worker/knownCountWait.ts): when that began, tries since.
   */
  knownWait?: { since: number; tries: number };
}

export interface QueueOptions {
  queueName: string;
  attempts: number;
  backoffMs: number;
}

export type BatchQueue = ReturnType<typeof createBatchQueue>;

/**
 * The job queue adapter (the spec's `queueService`): BullMQ's producer side, reduced to the few
 * operations the services need, so no caller depends on BullMQ's own `Queue`. The job id is the
 * batch id, so enqueueing the same batch twice is a no-op while a job for it is waiting or running.
 */
export function createBatchQueue(connection: Redis, options: QueueOptions) {
  const queue = new Queue<ProcessBatchJobData>(options.queueName, {
    connection,
    defaultJobOptions: {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      // Batch status lives in PostgreSQL; finished jobs are only kept briefly for debugging.
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  });
  queue.on('error', () => undefined);

  // Only what the Redis classifier calls an outage becomes a 503/retry; anything else (a bug, a
  // BullMQ misuse) stays what it is, so it is logged as a 500 and not retried as if Redis were down.
  async function guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw redisUnavailable(error, what) ?? error;
    }
  }

  return {
    /** Resolves once BullMQ's one-off connection set-up succeeded (see the composition root). */
    async ready(): Promise<void> {
      await queue.waitUntilReady();
    },

    /** Queues processing of `batchId` for `attempt`; replaces a finished job of an earlier attempt. */
    enqueueBatch(batchId: string, attempt: number): Promise<void> {
      return guard('enqueueing a job', async () => {
        const existing = await queue.getJob(batchId);
        if (existing) {
          let state = await existing.getState();
          if (existing.data.attempt === attempt && state !== 'completed' && state !== 'failed') {
            return;
          }
          // A job of an earlier attempt can still be `active` for a moment after it wrote `error`
          // (a retry right after failure); give BullMQ a short while to move it to failed.
          for (let i = 0; state === 'active' && i < 20; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            state = await existing.getState();
          }
          if (state === 'active') {
            return; // still running: it is fenced out by attempt; the sweeper queues the new one
          }
          await existing.remove();
        }
        await queue.add(PROCESS_BATCH_JOB, { batchId, attempt }, { jobId: batchId });
      });
    },

    /**
     * Enqueues the first attempt of a batch just created with a fresh random id: no job of an
     * earlier attempt can exist to replace, so the getJob/getState round trips of enqueueBatch
     * are skipped. Should one exist all the same (the sweeper re-queued the batch meanwhile),
     * BullMQ's add with an existing job id adds nothing: still one job.
     */
    enqueueNewBatch(batchId: string): Promise<void> {
      return guard('enqueueing a job', async () => {
        await queue.add(PROCESS_BATCH_JOB, { batchId, attempt: 1 }, { jobId: batchId });
      });
    },

    /** Removes a waiting/delayed job. An active job is left to notice the deletion itself. */
    removeBatchJob(batchId: string): Promise<void> {
      return guard('removing a job', async () => {
        const job = await queue.getJob(batchId);
        if (!job) {
          return;
        }
        if ((await job.getState()) === 'active') {
          return;
        }
        await job.remove().catch(() => undefined); // lost a race with a worker taking it
      });
    },

    /**
     * Runs the batch's job now if it is `delayed` (put back until an earlier batch of its user
     * loaded: src/worker/knownCountWait.ts); anything else is left alone. Best effort: a job
     * that moved meanwhile is left as it is.
     */
    wakeBatchJob(batchId: string): Promise<void> {
      return guard('waking a job', async () => {
        const job = await queue.getJob(batchId);
        if (job && (await job.isDelayed())) {
          await job.promote().catch(() => undefined);
        }
      });
    },

    /**
     * True when every one of the batches' jobs is running now (`active`: held by a worker), e.g.
     * an earlier batch of a user that a finished batch may wait for in its slot (indexingRun.ts).
     */
    batchJobsRunning(batchIds: readonly string[]): Promise<boolean> {
      return guard('looking up jobs', async () => {
        const states = await Promise.all(batchIds.map((id) => queue.getJobState(id)));
        return states.every((state) => state === 'active');
      });
    },

    /** True when a job for the batch is waiting, delayed, prioritized or running. */
    hasLiveJob(batchId: string): Promise<boolean> {
      return guard('looking up a job', async () => {
        const job = await queue.getJob(batchId);
        if (!job) {
          return false;
        }
        const state = await job.getState();
        return state !== 'completed' && state !== 'failed' && state !== 'unknown';
      });
    },

    depth(): Promise<Record<string, number>> {
      return guard('counting jobs', () =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
      );
    },

    close(): Promise<void> {
      return queue.close();
    },
  };
}
