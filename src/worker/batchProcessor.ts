import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { IndexingRun } from '../contactIndex/indexingRun.js';
import { writeKeyOf, type Batch, type BatchCounts } from '../domain/batch.js';
import { loadContactParser } from '../parsing/loadContactParser.js';
import { textEncodingOrNull } from '../parsing/text/encodings.js';
import type { ProcessBatchJobData } from '../queue/batchQueue.js';
import {
  claim,
  finish,
  finishWritten,
  openInput,
  progressReporter,
  readRows,
  stop,
  type BatchProcessorDeps,
  type JobOutcome,
} from './batchJobSteps.js';
import { createChunkWriter } from './chunkWriter.js';
import { ForeignStoreError, KnownContactsPendingError } from '../errors.js';
import { failureMessage, isOutage, waitOutOutage, type OutageRetryPolicy } from './jobFailure.js';
import type { ParserFactory } from './parsePool.js';
import { deferKnownCount, mayDeferKnownCount } from './knownCountWait.js';
import { leaveForOtherStore } from './storeCheck.js';

export type { BatchProcessorDeps, JobOutcome } from './batchJobSteps.js';

export interface ProcessorSettings {
  maxRowsPerBatch: number;
  maxUncompressedBytes: number;
  defaultPhoneRegion: string;
  /**
   * Times this job may have lost its worker (BullMQ's stall count) before the file is treated as
   * poison: the next pickup ends the batch in `error` instead of reading the file again.
   */
  maxStalledCount: number;
  /** Records per write to the records store. */
  chunkSize?: number;
  /** Chunk writes allowed in flight while parsing goes on. */
  maxInFlightWrites?: number;
  /** Minimum time between progress writes to PostgreSQL. */
  progressIntervalMs?: number;
  /** Where files are parsed: the worker's thread pool (parsePool.ts); absent, in this thread. */
  openParser?: ParserFactory;
  /**
   * Dependency outages are waited out for this long (JOB_RETRY_WINDOW_MS) instead of using up
   * the job's attempts; absent, they use attempts like any other failure.
   */
  outageRetry?: OutageRetryPolicy;
}

/**
 * The job, in four steps (batchJobSteps.ts): claim the batch, open the stored file, stream its
 * rows into chunked writes, finish (parsed -> loaded). Every write to the batch row is fenced by
 * attempt, and a failed fence means "deleted or superseded": stop, and if deleted, remove the
 * records written.
 */
export function createBatchProcessor(deps: BatchProcessorDeps, settings: ProcessorSettings) {
  const { metrics, logger } = deps;
  // 5000 rather than 1000: ~7% faster ingest and ~8% less worker CPU on a 10 MB CSV (fewer
  // repository calls and bucket-index writes; bench/ A/B, see docs/performance.md).
  const writes = { chunkSize: settings.chunkSize ?? 5000, maxInFlight: settings.maxInFlightWrites ?? 2 };
  const progressIntervalMs = settings.progressIntervalMs ?? 500;

  async function run(job: Job<ProcessBatchJobData>): Promise<JobOutcome> {
    const { batchId, attempt } = job.data;
    const claimed = {
      batchId,
      attempt,
      stalls: job.stalledCounter,
      maxStalledCount: settings.maxStalledCount,
    };
    const batch = await claim(deps, claimed);
    if (typeof batch === 'string') {
      return batch;
    }
    const mayDefer = mayDeferKnownCount(job.data);
    const indexing = await deps.contactIndex?.begin(batch, logger);
    try {
      return job.data.knownWait !== undefined && batch.status === 'parsed' && indexing
        ? // Put back after writing every row, only to count knownContacts (knownCountWait.ts).
          await finishWritten(deps, batch, indexing, mayDefer)
        : await read(batch, indexing, mayDefer);
    } catch (error) {
      if (!(error instanceof KnownContactsPendingError)) {
        await indexing?.abandon(); // failed before its first index write: later batches go on
      }
      throw error;
    } finally {
      await wakeNext(indexing); // also when put back: its sightings are written now
    }
  }

  /**
   * Later batches of the user may be put back waiting for this one's sightings
   * (knownCountWait.ts): the ones that can count now run at once rather than at the end of their
   * wait, so a user's backlog finishes in parallel. Best effort: a put-back job's own wait is the
   * fallback.
   */
  async function wakeNext(indexing: IndexingRun | undefined): Promise<void> {
    if (!indexing || !deps.wakeBatchJob) {
      return;
    }
    try {
      for (const next of await indexing.nextInLine()) {
        await deps.wakeBatchJob(next);
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not wake the next batches in line; they try again after their wait');
    }
  }

  async function read(
    batch: Batch,
    indexing: IndexingRun | undefined,
    mayDefer: boolean,
  ): Promise<JobOutcome> {
    const input = await openInput(deps, batch);
    const parser = (settings.openParser ?? (await loadContactParser()))(input, {
      format: batch.fileFormat,
      maxRows: settings.maxRowsPerBatch,
      maxUncompressedBytes: settings.maxUncompressedBytes,
      defaultRegion: settings.defaultPhoneRegion,
      phoneRegion: batch.phoneRegion,
      mapping: batch.mapping,
      encoding: textEncodingOrNull(batch.encodingOverride),
      totalBytes: batch.fileSize,
    });
    const counts: BatchCounts = { rowsRead: 0, recordsLoaded: 0, invalidRows: 0 };
    // Issue #21: the contact index is written alongside each chunk of records (indexingRun.ts),
    // and a re-read writes its own set; readers keep the current one until it ends.
    const writer = createChunkWriter(
      indexing?.records(deps.records) ?? deps.records,
      writeKeyOf(batch),
      counts,
      writes,
    );
    try {
      const checkpoint = progressReporter(deps, batch, parser, counts, progressIntervalMs);
      const firstInvalid = await readRows(parser, writer, counts, checkpoint);
      await finish(deps, batch, writer, counts, {
        firstInvalid,
        textEncoding: parser.details().encoding,
        beforeLoaded: indexing && (() => indexing.beforeLoaded({ mayDefer, running: deps.batchJobsRunning })),
      });
      return 'loaded';
    } catch (error) {
      await writer.settle(); // let in-flight writes land before deciding what to clean up
      input.destroy();
      return stop(deps, batch, counts, error);
    }
  }

  return {
    /** BullMQ processor. Content errors fail at once; anything else is retried with backoff. */
    async process(job: Job<ProcessBatchJobData>, token?: string): Promise<JobOutcome> {
      const started = process.hrtime.bigint();
      const log = logger.child({ ...job.data, jobAttempt: job.attemptsMade + 1 });
      try {
        const outcome = await run(job);
        metrics.jobs.inc({ outcome });
        log.info({ outcome }, 'batch job finished');
        return outcome;
      } catch (error) {
        if (error instanceof ForeignStoreError) {
          return await leaveForOtherStore(job, token, error, { metrics, logger: log });
        }
        if (error instanceof KnownContactsPendingError) {
          metrics.jobs.inc({ outcome: 'deferred' });
          return await deferKnownCount(job, token, log);
        }
        if (error instanceof UnrecoverableError) {
          metrics.jobs.inc({ outcome: 'error' });
          log.info({ reason: error.message }, 'batch rejected: file content');
          throw error;
        }
        await recordFailure(deps, job, error, log, { token, outageRetry: settings.outageRetry });
        throw error instanceof Error ? error : new Error(String(error));
      } finally {
        metrics.jobDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  };
}

/** The last attempt writes `error` with a message naming what was down; earlier ones retry. */
async function recordFailure(
  deps: BatchProcessorDeps,
  job: Job<ProcessBatchJobData>,
  error: unknown,
  log: Logger,
  retry: { token: string | undefined; outageRetry: OutageRetryPolicy | undefined },
): Promise<void> {
  const { metrics } = deps;
  if (retry.outageRetry && isOutage(error)) {
    await waitOutOutage(deps, job, error, log, { ...retry, outageRetry: retry.outageRetry });
  }
  const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  log.warn({ err: error, isLastAttempt }, 'batch job failed');
  if (!isLastAttempt) {
    metrics.jobs.inc({ outcome: 'retried' });
    return;
  }
  metrics.jobs.inc({ outcome: 'error' });
  await deps.batchRepository
    .markError(job.data.batchId, job.data.attempt, failureMessage(error))
    .catch((markError: unknown) => log.error({ err: markError }, 'could not record the failure'));
}
