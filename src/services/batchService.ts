import type {
  Batch,
  BatchStats,
  BatchStatus,
  BatchStatusView,
  BatchSummaryView,
  User,
} from '../domain/batch.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { InvalidRow } from '../parsing/types.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { BatchDeletionRepository } from '../repositories/batchDeletionRepository.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { RecordsPage, RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { BatchCleanupService } from './batchCleanupService.js';

export type BatchService = ReturnType<typeof createBatchService>;

interface Deps {
  batchRepository: BatchRepository;
  batchDeletionRepository: BatchDeletionRepository;
  records: RecordsRepository;
  queue: BatchQueue;
  cleanup: BatchCleanupService;
}

/** Everything on a batch after upload: status, lists, stats, delete, retry, records. */
export function createBatchService({
  batchRepository,
  batchDeletionRepository,
  records,
  queue,
  cleanup,
}: Deps) {
  async function owned(user: User, id: string): Promise<Batch> {
    // Someone else's batch is "not found": never reveal that it exists.
    const batch = await batchRepository.findForUser(id, user.id);
    if (!batch) {
      throw new NotFoundError('batch not found');
    }
    return batch;
  }

  return {
    get: owned,

    /** The status answer alone (a narrow read); someone else's batch is "not found". */
    async status(user: User, id: string): Promise<BatchStatusView> {
      const status = await batchRepository.statusForUser(id, user.id);
      if (!status) {
        throw new NotFoundError('batch not found');
      }
      return status;
    },

    list(user: User, query: { status?: BatchStatus | undefined; page: number; limit: number }) {
      return batchRepository.list(user.id, query);
    },

    recent(user: User, limit: number): Promise<BatchSummaryView[]> {
      return batchRepository.recent(user.id, limit);
    },

    stats(user: User): Promise<BatchStats> {
      return batchRepository.stats(user.id);
    },

    async delete(user: User, id: string): Promise<void> {
      const deleted = await batchDeletionRepository.deleteWithCleanup(id, user.id);
      if (!deleted) {
        throw new NotFoundError('batch not found');
      }
      // Answered once the row and its outbox entry are committed; the file and records go in
      // the background (the sweeper finishes what that does not).
      cleanup.inBackground(deleted);
    },

    async retry(user: User, id: string): Promise<Batch> {
      const reset = await batchRepository.resetForRetry(id, user.id);
      if (!reset) {
        const batch = await owned(user, id);
        throw new ConflictError(
          `only batches in status "error" can be retried; this one is "${batch.status}"`,
        );
      }
      // Records of the failed attempt would otherwise mix with the new one's. If the store is
      // down the new attempt still overwrites them row by row, so this is best effort.
      await records.deleteBatch(id).catch(() => undefined);
      try {
        await queue.enqueueBatch(reset.id, reset.attempt);
      } catch {
        // Same promise as upload: the row says `uploaded`, the sweeper re-queues it.
      }
      return reset;
    },

    async listRecords(
      user: User,
      id: string,
      options: { limit: number; cursor?: string | undefined },
    ): Promise<RecordsPage> {
      await owned(user, id);
      return records.listRecords(id, options);
    },

    async invalidRows(user: User, id: string): Promise<AsyncIterable<InvalidRow>> {
      await owned(user, id);
      return records.streamInvalidRows(id);
    },
  };
}
