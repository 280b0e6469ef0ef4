import type { Logger } from 'pino';
import type { BatchDeletionRepository } from '../repositories/batchDeletionRepository.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { FileStorage } from '../storage/fileStorage.js';

export type BatchCleanupService = ReturnType<typeof createBatchCleanupService>;

interface Deps {
  batchDeletionRepository: BatchDeletionRepository;
  storage: FileStorage;
  records: RecordsRepository;
  queue: BatchQueue;
  logger: Logger;
}

/** Removes everything a deleted batch owned: queued job, stored file, records. Idempotent. */
export function createBatchCleanupService({
  batchDeletionRepository,
  storage,
  records,
  queue,
  logger,
}: Deps) {
  return {
    async cleanup(batchId: string, storageKey: string): Promise<boolean> {
      try {
        await queue.removeBatchJob(batchId);
        await storage.delete(storageKey);
        await records.deleteBatch(batchId);
        await batchDeletionRepository.complete(batchId);
        return true;
      } catch (error) {
        logger.warn({ err: error, batchId }, 'batch cleanup incomplete; the sweeper will finish it');
        await batchDeletionRepository.recordFailure(batchId, (error as Error).message).catch(() => undefined);
        return false;
      }
    },
  };
}
