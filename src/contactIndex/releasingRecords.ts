import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { ContactIndexStore } from './contactIndexStore.js';
import { recordPages } from './recordPages.js';

/**
 * The records store with one change: `deleteBatch(key)` first releases the contact-index entries
 * of that reading (issue #21; `key` is a records key: the batch id for a first reading, a
 * re-read's own key otherwise), then deletes its records. Every path that removes a reading's
 * records goes through deleteBatch (API delete and its sweeper follow-up, a replaced or deleted
 * batch's reading released by readingReleaseService, retry, a worker cleaning up after a
 * delete), so none of them can leave entries pointing at records that are gone, and none touches
 * another reading's entries. Release first: the Cassandra index finds its entries through the
 * records' keys.
 */
export function releasingContactIndex(
  records: RecordsRepository,
  index: ContactIndexStore,
): RecordsRepository {
  return {
    ...records,
    async deleteBatch(recordsKey) {
      await index.release(recordsKey, () => recordPages(records, recordsKey));
      await records.deleteBatch(recordsKey);
    },
  };
}
