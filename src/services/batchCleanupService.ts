import type { Logger } from 'pino';
import type { BatchDeletionRepository, PendingDeletion } from '../repositories/batchDeletionRepository.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import { describeStore, sameStore, type FileStorage } from '../storage/fileStorage.js';

export type BatchCleanupService = ReturnType<typeof createBatchCleanupService>;

interface Deps {
  batchDeletionRepository: BatchDeletionRepository;
  storage: FileStorage;
  records: RecordsRepository;
  queue: BatchQueue;
  logger: Logger;
  /** Clean-ups run in the background at once; more are left to the sweeper (default 4). */
  maxInBackground?: number;
}

/**
 * Removes everything a deleted batch owned: queued job, stored file, records. Idempotent.
 * DELETE answers once the row and its outbox entry are committed and hands the clean-up to
 * `inBackground`, so a slow or unreachable store never holds the answer; whatever does not
 * finish (failure, crash, too many at once) stays in the outbox for the sweeper.
 */
export function createBatchCleanupService({
  batchDeletionRepository,
  storage,
  records,
  queue,
  logger,
  maxInBackground = 4,
}: Deps) {
  const running = new Set<Promise<boolean>>();

  async function cleanup(deletion: PendingDeletion): Promise<boolean> {
    const { batchId, storageKey } = deletion;
    try {
      await queue.removeBatchJob(batchId);
      await records.deleteBatch(batchId);
      if (deletion.store && !sameStore(deletion.store, storage.identity())) {
        // The file is in a store this process is not configured with: "deleting" it here would
        // remove nothing and drop the outbox entry. A worker that has that store finishes it.
        logger.warn(
          { batchId, batchStore: describeStore(deletion.store), ownStore: describeStore(storage.identity()) },
          "deleted batch's file is in another store; left for a worker configured with it",
        );
        return false;
      }
      await storage.delete(storageKey);
      await batchDeletionRepository.complete(batchId);
      return true;
    } catch (error) {
      logger.warn({ err: error, batchId }, 'batch cleanup incomplete; the sweeper will finish it');
      await batchDeletionRepository.recordFailure(batchId, (error as Error).message).catch(() => undefined);
      return false;
    }
  }

  return {
    cleanup,

    /**
     * Starts the clean-up without waiting for it. Bounded: past `maxInBackground` running ones
     * the entry simply waits in the outbox for the sweeper (no unbounded in-memory queue).
     */
    inBackground(deletion: PendingDeletion): void {
      if (running.size >= maxInBackground) {
        logger.info({ batchId: deletion.batchId }, 'clean-ups busy; the sweeper will remove this batch');
        return;
      }
      const run = cleanup(deletion).finally(() => running.delete(run));
      running.add(run);
    },

    /** Waits for the background clean-ups in flight (shutdown, tests). */
    async drain(): Promise<void> {
      await Promise.all(running);
    },
  };
}
