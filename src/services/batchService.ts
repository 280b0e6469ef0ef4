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
import { reprocessBatch, type ReprocessAnswer, type ReprocessOptions } from './batchReprocess.js';
import { readingCursor, storeCursor } from './readingCursor.js';
import type { KnownContactsService, RecordWithSeenIn } from '../contactIndex/knownContactsService.js';

export type BatchService = ReturnType<typeof createBatchService>;

interface Deps {
  batchRepository: BatchRepository;
  batchDeletionRepository: BatchDeletionRepository;
  records: RecordsRepository;
  queue: BatchQueue;
  cleanup: BatchCleanupService;
  /** Duplicates across batches (issue #21); absent (unit doubles): every seenIn is null. */
  knownContacts?: KnownContactsService;
}

/** Everything on a batch after upload: status, lists, stats, delete, retry, records. */
export function createBatchService({
  batchRepository,
  batchDeletionRepository,
  records,
  queue,
  cleanup,
  knownContacts,
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
      await records.deleteBatch(reset.recordsKey).catch(() => undefined);
      try {
        await queue.enqueueBatch(reset.id, reset.attempt);
      } catch {
        // Same promise as upload: the row says `uploaded`, the sweeper re-queues it.
      }
      return reset;
    },

    /** Re-reads the stored file with other options (issue #21; batchReprocess.ts). */
    reprocess(user: User, id: string, options: ReprocessOptions): Promise<ReprocessAnswer> {
      return reprocessBatch({ batchRepository, queue }, user, id, options);
    },

    /** A page of records, each with `seenIn` (where its contact was first loaded, issue #21). */
    async listRecords(
      user: User,
      id: string,
      options: { limit: number; cursor?: string | undefined; known?: boolean | undefined },
    ): Promise<Omit<RecordsPage, 'records'> & { records: RecordWithSeenIn[] }> {
      // The batch row names the reading readers see (issue #21): a re-read in progress writes
      // elsewhere, and its switch is one update of this row, so a page is always of one set.
      const batch = await owned(user, id);
      const cursor = storeCursor(options.cursor, batch.reading);
      const page = knownContacts
        ? await knownContacts.listRecords(batch, { ...options, cursor })
        : await records.listRecords(batch.recordsKey, { limit: options.limit, cursor });
      return {
        records: page.records.map((r) => ({ seenIn: null, ...r })),
        nextCursor: readingCursor(page.nextCursor, batch.reading),
      };
    },

    /**
     * A page of records as stored, without `seenIn`: for the CSV and vCard exports, which do not
     * show it, so they skip the contact-index read per page.
     */
    async listStoredRecords(
      user: User,
      id: string,
      options: { limit: number; cursor?: string | undefined },
    ): Promise<RecordsPage> {
      const batch = await owned(user, id);
      const page = await records.listRecords(batch.recordsKey, {
        limit: options.limit,
        cursor: storeCursor(options.cursor, batch.reading),
      });
      return { records: page.records, nextCursor: readingCursor(page.nextCursor, batch.reading) };
    },

    async invalidRows(user: User, id: string): Promise<AsyncIterable<InvalidRow>> {
      const batch = await owned(user, id);
      return records.streamInvalidRows(batch.recordsKey);
    },
  };
}
