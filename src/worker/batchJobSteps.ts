import { UnrecoverableError } from 'bullmq';
import type { Readable } from 'node:stream';
import { writeKeyOf, type Batch, type BatchCounts } from '../domain/batch.js';
import type { IndexingRun } from '../contactIndex/indexingRun.js';
import {
  BatchSupersededError,
  FileContentError,
  KnownContactsPendingError,
  NotFoundError,
} from '../errors.js';
import type { ContactParser, ParsedRow } from '../parsing/types.js';
import type { ChunkWriter } from './chunkWriter.js';
import { POISON_FILE_MESSAGE } from './poisonFile.js';
import type { BatchProcessorDeps } from './processorDeps.js';
import { assertOwnStore } from './storeCheck.js';

export type { BatchProcessorDeps } from './processorDeps.js';

export type JobOutcome = 'loaded' | 'error' | 'cancelled' | 'skipped';

/** Parsing covers 0..PARSE_SHARE of progress (`parsed` sits there while the last writes flush); loaded is 100. */
export const PARSE_SHARE = 95;

const superseded = () => new BatchSupersededError('the batch was deleted or retried while this job ran');

/**
 * Step 1: the batch this job may work on, or why it must not. `stalls` is BullMQ's count of
 * workers lost on this job; at `maxStalledCount` the file is poison and is not read again.
 */
export async function claim(
  deps: BatchProcessorDeps,
  job: { batchId: string; attempt: number; stalls: number; maxStalledCount: number },
): Promise<Batch | JobOutcome> {
  const { batchRepository, records } = deps;
  const batch = await batchRepository.findById(job.batchId);
  if (!batch) {
    // Deleted: an earlier try of this job may have written records after the API's cleanup.
    await records.deleteBatch(job.batchId);
    return 'cancelled';
  }
  if (batch.attempt !== job.attempt) {
    return 'cancelled';
  }
  if (batch.status === 'loaded' || batch.status === 'error') {
    return 'skipped';
  }
  assertOwnStore(batch, deps.storage.identity()); // before anything is written to the batch
  if (job.stalls >= job.maxStalledCount) {
    // Its workers died this many times on this file (out of memory, a crash in a parser):
    // reading it again would only kill the next one. Recorded before any reading.
    await batchRepository.markError(batch.id, batch.attempt, POISON_FILE_MESSAGE);
    throw new UnrecoverableError(POISON_FILE_MESSAGE);
  }
  return (await batchRepository.markParsing(batch.id, batch.attempt)) ? batch : 'cancelled';
}

/** Step 2: the stored file; gone for good (removed by hand, a lost volume) ends the batch. */
export async function openInput(deps: BatchProcessorDeps, batch: Batch): Promise<Readable> {
  try {
    return await deps.storage.get(batch.storageKey);
  } catch (error) {
    if (!(error instanceof NotFoundError)) {
      throw error;
    }
    const message = 'the uploaded file is missing from storage; upload it again';
    await deps.batchRepository.markError(batch.id, batch.attempt, message);
    throw new UnrecoverableError(message);
  }
}

/** Progress writes at most every `intervalMs`; a failed fence stops the job. */
export function progressReporter(
  deps: BatchProcessorDeps,
  batch: Batch,
  parser: ContactParser,
  counts: BatchCounts,
  intervalMs: number,
): () => Promise<void> {
  let lastProgressAt = 0;
  return async () => {
    const now = Date.now();
    if (now - lastProgressAt < intervalMs) {
      return;
    }
    lastProgressAt = now;
    const progress = Math.floor(parser.progress() * PARSE_SHARE);
    if (!(await deps.batchRepository.updateProgress(batch.id, batch.attempt, progress, counts))) {
      throw superseded();
    }
  };
}

/**
 * Step 3: every row into the writer; returns the first invalid row's reason, for the message.
 * Rows are taken a parser batch at a time: the writer is awaited only when a chunk is full (a
 * write to start, room to wait for) and the checkpoint once per batch, not once per row.
 */
export async function readRows(
  parser: ContactParser,
  writer: ChunkWriter,
  counts: BatchCounts,
  checkpoint: () => Promise<void>,
): Promise<string | null> {
  let firstInvalidReason: string | null = null;
  for await (const rows of parser.batches ?? singleRows(parser.rows)) {
    for (const row of rows) {
      counts.rowsRead += 1;
      if (row.kind === 'record') {
        writer.addRecord(row.record);
      } else {
        counts.invalidRows += 1;
        firstInvalidReason ??= `row ${row.row.rowNumber}: ${row.row.reason}`;
        writer.addInvalid(row.row);
      }
      if (writer.chunkFull()) {
        await writer.flush(false);
      }
    }
    await writer.flush(false); // a failed write stops the job at the next batch at the latest
    await checkpoint();
  }
  return firstInvalidReason;
}

/** A parser without batches (a test's stand-in) read as batches of one row. */
async function* singleRows(rows: AsyncIterable<ParsedRow>): AsyncGenerator<ParsedRow[]> {
  for await (const row of rows) {
    yield [row];
  }
}

/** Step 4: no contacts is a content error; otherwise parsed, last writes, loaded. */
export async function finish(
  deps: BatchProcessorDeps,
  batch: Batch,
  writer: ChunkWriter,
  counts: BatchCounts,
  read: {
    firstInvalid: string | null;
    textEncoding: string | null;
    /** Runs after the last write and before `loaded` (issue #21: the batch's knownContacts). */
    beforeLoaded?: (() => Promise<void>) | undefined;
  },
): Promise<void> {
  const { batchRepository } = deps;
  const { firstInvalid, textEncoding } = read;
  if (counts.rowsRead - counts.invalidRows === 0) {
    await writer.flush(true);
    throw new FileContentError(
      counts.rowsRead === 0
        ? 'no contacts found: the file has no data rows'
        : `no contacts found: all ${counts.rowsRead} rows are invalid (first: ${firstInvalid ?? 'unknown'})`,
    );
  }
  if (!(await batchRepository.markParsed(batch.id, batch.attempt, counts, PARSE_SHARE, textEncoding))) {
    throw superseded();
  }
  await writer.flush(true);
  try {
    await read.beforeLoaded?.();
  } catch (error) {
    if (error instanceof KnownContactsPendingError) {
      // The job is put back to count later (knownCountWait.ts): the row keeps the final counts,
      // which its next run (finishWritten) loads with.
      await batchRepository.updateProgress(batch.id, batch.attempt, PARSE_SHARE, counts);
    }
    throw error;
  }
  await markLoaded(deps, batch, counts);
}

async function markLoaded(deps: BatchProcessorDeps, batch: Batch, counts: BatchCounts): Promise<void> {
  if (!(await deps.batchRepository.markLoaded(batch.id, batch.attempt, counts))) {
    throw superseded();
  }
  deps.metrics.rowsLoaded.inc(counts.recordsLoaded);
  deps.metrics.invalidRows.inc(counts.invalidRows);
}

/**
 * Step 4 of a job put back only to count knownContacts (knownCountWait.ts): every row was
 * written by an earlier run of this attempt, so the file is not read again; the count comes
 * from the stored records, then `loaded` with the counts that run left on the row.
 */
export async function finishWritten(
  deps: BatchProcessorDeps,
  batch: Batch,
  indexing: IndexingRun,
  mayDefer: boolean,
): Promise<JobOutcome> {
  const counts: BatchCounts = {
    rowsRead: batch.rowsRead,
    recordsLoaded: batch.recordsLoaded,
    invalidRows: batch.invalidRows,
  };
  try {
    await indexing.beforeLoaded({ mayDefer, recount: true, running: deps.batchJobsRunning });
    await markLoaded(deps, batch, counts);
    return 'loaded';
  } catch (error) {
    return stop(deps, batch, counts, error);
  }
}

/** A step threw. Superseded or deleted: stop quietly. Bad content: record it, fail without retries. */
export async function stop(
  deps: BatchProcessorDeps,
  batch: Batch,
  counts: BatchCounts,
  error: unknown,
): Promise<JobOutcome> {
  if (error instanceof BatchSupersededError) {
    await cleanupIfDeleted(deps, batch);
    return 'cancelled';
  }
  if (error instanceof FileContentError) {
    if (!(await deps.batchRepository.markError(batch.id, batch.attempt, error.message, counts))) {
      await cleanupIfDeleted(deps, batch);
      return 'cancelled';
    }
    throw new UnrecoverableError(error.message);
  }
  throw error;
}

async function cleanupIfDeleted(deps: BatchProcessorDeps, batch: Batch): Promise<void> {
  if (await deps.batchRepository.findById(batch.id)) {
    return; // superseded by a retry or a re-read: its job owns the records
  }
  // The set this job wrote (a re-read's own key): the delete's clean-up may have run before its last writes.
  await deps.records.deleteBatch(writeKeyOf(batch));
  deps.logger.info({ batchId: batch.id }, 'batch deleted during processing; records removed');
}
