import type { Batch } from '../domain/batch.js';
import type { BatchFixRepository } from '../repositories/batchFixRepository.js';
import { batchChanged } from './batchEvent.js';
import type { EventPublisher } from './eventPublisher.js';

/**
 * The fix repository, announcing the batch row its count update wrote (like
 * publishingBatchRepository: one read by primary key after the write, so the event holds the
 * row's real counts and version). Only `countFixes` writes the batch row.
 */
export function publishingFixRepository(
  inner: BatchFixRepository,
  findById: (id: string) => Promise<Batch | null>,
  publisher: EventPublisher,
): BatchFixRepository {
  return {
    ...inner,
    countFixes: async (batchId: string) => {
      const written = await inner.countFixes(batchId);
      if (!written) {
        return written;
      }
      let batch: Batch | null;
      try {
        batch = await findById(batchId);
      } catch (error) {
        publisher.failed(error, batchId);
        return written;
      }
      if (batch) {
        await publisher.publish(batch.userId, batchChanged(batch));
      }
      return written;
    },
  };
}
