import type { ContactRecord } from '../contacts/contactSchema.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';

/** The stored records of one reading (records key), a bounded page at a time, in row order. */
export async function* recordPages(
  records: Pick<RecordsRepository, 'listRecords'>,
  recordsKey: string,
  pageSize = 1_000,
): AsyncGenerator<readonly ContactRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await records.listRecords(recordsKey, { limit: pageSize, cursor });
    if (page.records.length > 0) {
      yield page.records;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
