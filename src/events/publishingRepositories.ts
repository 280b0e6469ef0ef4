import type { Batch } from '../domain/batch.js';
import type { BatchDeletionRepository } from '../repositories/batchDeletionRepository.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import { batchChanged, batchDeleted } from './batchEvent.js';
import type { EventPublisher } from './eventPublisher.js';

/**
 * The batch repository, announcing every change it writes. Every writer of a batch row goes
 * through it (upload and retry in the API, each step and progress write of the worker), so no
 * call site can forget to publish, and the event carries the row as written. The worker writes
 * progress at its own interval (500 ms), so events come at that cadence, never per row.
 *
 * The writes that answer only "done or fenced out" are followed by one read by primary key:
 * the event then holds the row's real values (progress only rises, counts are GREATEST-merged).
 */
export function publishingBatchRepository(
  inner: BatchRepository,
  publisher: EventPublisher,
): BatchRepository {
  async function announce(batch: Batch | null): Promise<Batch | null> {
    if (batch) {
      await publisher.publish(batch.userId, batchChanged(batch));
    }
    return batch;
  }

  async function announceById(id: string, written: boolean): Promise<boolean> {
    if (!written) {
      return written;
    }
    let batch: Batch | null;
    try {
      batch = await inner.findById(id);
    } catch (error) {
      publisher.failed(error, id);
      return written;
    }
    await announce(batch);
    return written;
  }

  return {
    ...inner,
    insert: async (...args: Parameters<BatchRepository['insert']>) => {
      const batch = await inner.insert(...args);
      // Not awaited: the upload answers without waiting for Redis. Nothing is lost in order:
      // the XADD is handed to the connection now (ioredis sends a connection's commands in call
      // order), publish never rejects (a failure is logged and counted), and a page that sees
      // this event after a later one keeps the newer by batches.version (issue #18).
      void announce(batch);
      return batch;
    },
    resetForRetry: async (...args: Parameters<BatchRepository['resetForRetry']>) =>
      announce(await inner.resetForRetry(...args)),
    markParsing: async (...args: Parameters<BatchRepository['markParsing']>) =>
      announce(await inner.markParsing(...args)),
    updateProgress: async (...args: Parameters<BatchRepository['updateProgress']>) =>
      announceById(args[0], await inner.updateProgress(...args)),
    markParsed: async (...args: Parameters<BatchRepository['markParsed']>) =>
      announceById(args[0], await inner.markParsed(...args)),
    markLoaded: async (...args: Parameters<BatchRepository['markLoaded']>) =>
      announceById(args[0], await inner.markLoaded(...args)),
    markError: async (...args: Parameters<BatchRepository['markError']>) =>
      announceById(args[0], await inner.markError(...args)),
    startReading: async (...args: Parameters<BatchRepository['startReading']>) => {
      const started = await inner.startReading(...args);
      await announce(started?.batch ?? null);
      return started;
    },
  };
}

/** The deletion repository, announcing `deleted` to the owner once the row is gone. */
export function publishingDeletionRepository(
  inner: BatchDeletionRepository,
  publisher: EventPublisher,
): BatchDeletionRepository {
  return {
    ...inner,
    deleteWithCleanup: async (id: string, userId: string) => {
      const deleted = await inner.deleteWithCleanup(id, userId);
      if (deleted) {
        await publisher.publish(userId, batchDeleted(deleted.batchId));
      }
      return deleted;
    },
  };
}
