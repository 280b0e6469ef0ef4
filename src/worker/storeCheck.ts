import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Batch } from '../domain/batch.js';
import { ForeignStoreError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProcessBatchJobData } from '../queue/batchQueue.js';
import { describeStore, sameStore, type StoreIdentity } from '../storage/fileStorage.js';
import { putBackDelayMs } from './putBackDelay.js';

/**
 * Throws ForeignStoreError when the batch's file is in another store than this worker's (a
 * mixed deployment). Batches uploaded before stores were recorded (no store) pass.
 */
export function assertOwnStore(batch: Batch, own: StoreIdentity): void {
  if (batch.store && !sameStore(batch.store, own)) {
    throw new ForeignStoreError(describeStore(batch.store), describeStore(own));
  }
}

/**
 * Leaves the job for a worker configured with the batch's store: back to `delayed` with a
 * growing, jittered delay (never a hot loop between two workers), without using up an attempt
 * and without touching the batch. Loud on purpose: a worker seeing these is misconfigured or
 * half-way through a migration. Always throws (DelayedError is how BullMQ learns of the move).
 */
export async function leaveForOtherStore(
  job: Job<ProcessBatchJobData>,
  token: string | undefined,
  error: ForeignStoreError,
  deps: { metrics: Metrics; logger: Logger },
): Promise<never> {
  const deferrals = (job.data.foreignDeferrals ?? 0) + 1;
  const delayMs = putBackDelayMs(deferrals);
  deps.metrics.foreignStoreJobs.inc();
  deps.metrics.foreignStoreRecent.record();
  deps.logger.warn(
    {
      batchId: job.data.batchId,
      batchStore: error.batchStore,
      workerStore: error.ownStore,
      deferrals,
      delayMs: Math.round(delayMs),
    },
    "batch's file is in another store than this worker's; job left for a worker configured with it",
  );
  await job.updateData({ ...job.data, foreignDeferrals: deferrals });
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
