import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { ContactIndexStore } from './contactIndexStore.js';
import { recordPages } from './recordPages.js';

/**
 * The records store with one change: `deleteBatch` first releases the batch's contact-index
 * entries (issue #21), then deletes the records. Every path that removes a batch's records goes
 * through deleteBatch (API delete and its sweeper follow-up, retry, a worker cleaning up after a
 * delete), so none of them can leave entries pointing at records that are gone. Release first:
 * the Cassandra index finds its entries through the records' keys.
 */
export function releasingContactIndex(
  records: RecordsRepository,
  index: ContactIndexStore,
): RecordsRepository {
  return {
    ...records,
    async deleteBatch(batchId) {
      await index.release(batchId, () => recordPages(records, batchId));
      await records.deleteBatch(batchId);
    },
  };
}
