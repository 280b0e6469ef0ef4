import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { DependencyUnavailableError, type Dependency } from '../errors.js';
import type { ProcessBatchJobData } from '../queue/batchQueue.js';
import type { BatchProcessorDeps } from './processorDeps.js';
import { hasNetworkErrno, someInChain } from '../networkErrors.js';

const UNAVAILABLE: Record<Dependency, string> = {
  storage: 'the stored file could not be read; retry later',
  records: 'records store unavailable, retry later',
  database: 'the database was unavailable; retry later',
  queue: 'the job queue was unavailable; retry later',
  'auth-keys': 'processing failed because a service was unavailable; retry later',
};

const GENERIC = 'processing failed because a service was unavailable; retry later';

/**
 * The user-facing message of a job that used up its attempts, chosen by which dependency the
 * adapter said was down (never by reading error text); anything else gets the generic message.
 */
export function failureMessage(error: unknown): string {
  let dependency: Dependency | undefined;
  someInChain(error, (e) => {
    dependency = e instanceof DependencyUnavailableError ? e.dependency : undefined;
    return dependency !== undefined;
  });
  return dependency === undefined ? GENERIC : UNAVAILABLE[dependency];
}

/** How long a dependency outage is waited out, and how fast the tries come. */
export interface OutageRetryPolicy {
  /** Total time from the first failed try after which the batch ends in `error (retry later)`. */
  windowMs: number;
  /** The first wait; doubled per try up to MAX_OUTAGE_DELAY_MS. */
  backoffMs: number;
}

/** The longest wait between two tries: a dependency back from an outage is used within this. */
export const MAX_OUTAGE_DELAY_MS = 30_000;

/** A dependency was down or timed out (the adapters' classification, or a raw socket error). */
export function isOutage(error: unknown): boolean {
  return someInChain(error, (e) => e instanceof DependencyUnavailableError) || hasNetworkErrno(error);
}

/**
 * The next try of a job that met an outage: its wait and the outage record to keep on the job,
 * or null when the next try would fall outside the window (the batch then ends in `error`).
 */
export function nextOutageTry(
  outage: { since: number; tries: number } | undefined,
  now: number,
  policy: OutageRetryPolicy,
): { delayMs: number; outage: { since: number; tries: number } } | null {
  const since = outage?.since ?? now;
  const tries = (outage?.tries ?? 0) + 1;
  const delayMs = Math.min(policy.backoffMs * 2 ** (tries - 1), MAX_OUTAGE_DELAY_MS);
  if (now + delayMs - since > policy.windowMs) {
    return null;
  }
  return { delayMs, outage: { since, tries } };
}

/**
 * A dependency is down: try again later (capped exponential backoff) without using an attempt,
 * until the outage has lasted longer than the window; then the batch ends in `error (retry
 * later)` and the job fails for good. When the queue itself is down the move fails and the
 * ordinary attempt accounting (or the stall check) takes over.
 */
export async function waitOutOutage(
  deps: BatchProcessorDeps,
  job: Job<ProcessBatchJobData>,
  error: unknown,
  log: Logger,
  retry: { token: string | undefined; outageRetry: OutageRetryPolicy },
): Promise<void> {
  const next = nextOutageTry(job.data.outage, Date.now(), retry.outageRetry);
  if (next === null) {
    deps.metrics.jobs.inc({ outcome: 'error' });
    log.warn({ err: error, outage: job.data.outage }, 'dependency outage outlasted the retry window');
    const message = failureMessage(error);
    await deps.batchRepository
      .markError(job.data.batchId, job.data.attempt, message)
      .catch((markError: unknown) => log.error({ err: markError }, 'could not record the failure'));
    throw new UnrecoverableError(message);
  }
  try {
    await job.updateData({ ...job.data, outage: next.outage });
    await job.moveToDelayed(Date.now() + next.delayMs, retry.token);
  } catch (moveError) {
    log.warn({ err: moveError }, 'could not put the job back to wait out the outage');
    return;
  }
  deps.metrics.jobs.inc({ outcome: 'retried' });
  log.warn({ err: error, outage: next.outage, delayMs: next.delayMs }, 'dependency down; job will try again');
  throw new DelayedError();
}
