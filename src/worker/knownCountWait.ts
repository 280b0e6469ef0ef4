import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ProcessBatchJobData } from '../queue/batchQueue.js';
import { putBackDelayMs } from './putBackDelay.js';

/**
 * How long a batch may be put back for its user's earlier batches before it counts without
 * them (logged): as long as the default retry window, which is how long an earlier batch's own
 * job may wait out an outage.
 */
export const KNOWN_WAIT_MAX_MS = 15 * 60_000;

/** Whether a job may still be put back to wait for earlier batches (false: count now). */
export function mayDeferKnownCount(data: ProcessBatchJobData, now = Date.now()): boolean {
  return data.knownWait === undefined || now - data.knownWait.since < KNOWN_WAIT_MAX_MS;
}

/**
 * Every row of the batch is written, but an earlier batch of the same user is still loading
 * (KnownContactsPendingError): the job goes back to `delayed` with a growing, jittered wait,
 * without using an attempt, and the batch stays `parsed`. Its next run finds `knownWait` and
 * only counts (batchProcessor.ts), so a batch never holds a worker slot while it waits: slots
 * held that way once starved the very batches they waited for (120 s per batch after an outage).
 * Always throws (DelayedError is how BullMQ learns of the move).
 */
export async function deferKnownCount(
  job: Job<ProcessBatchJobData>,
  token: string | undefined,
  logger: Logger,
): Promise<never> {
  const since = job.data.knownWait?.since ?? Date.now();
  const tries = (job.data.knownWait?.tries ?? 0) + 1;
  const delayMs = putBackDelayMs(tries);
  await job.updateData({ ...job.data, knownWait: { since, tries } });
  await job.moveToDelayed(Date.now() + delayMs, token);
  logger.info(
    { tries, delayMs: Math.round(delayMs) },
    'rows written; an earlier batch of the user is still loading, knownContacts counted on the next try',
  );
  throw new DelayedError();
}
