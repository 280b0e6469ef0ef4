import type { Logger } from 'pino';
import type { BatchDeletionRepository } from '../repositories/batchDeletionRepository.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { QueueService } from '../queue/queueService.js';
import type { StorageService } from '../storage/storageService.js';

export type BatchCleanupService = ReturnType<typeof createBatchCleanupService>;

interface Deps {
  batchDeletionRepository: BatchDeletionRepository;
  storage: StorageService;
  records: RecordsRepository;
  queue: QueueService;
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
