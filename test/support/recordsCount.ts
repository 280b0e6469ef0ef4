import type { RecordsRepository } from '../../src/repositories/records/recordsRepository.js';
import type { TestStack } from './testStack.js';

/**
 * How many records and invalid rows a batch has in a records store, counted through the
 * store's own read paths (every page of listRecords, the whole invalid-row stream), so tests
 * count what a client would get back. Test-only: production never needs a count.
 */
export async function countRecords(
  records: RecordsRepository,
  batchId: string,
): Promise<{ records: number; invalidRows: number }> {
  let recordCount = 0;
  let cursor: string | undefined;
  do {
    const page = await records.listRecords(batchId, { limit: 1_000, cursor });
    recordCount += page.records.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  let invalidRows = 0;
  for await (const row of records.streamInvalidRows(batchId)) {
    void row;
    invalidRows += 1;
  }
  return { records: recordCount, invalidRows };
}

/** The same count for a test stack's configured records store. */
export async function recordsCount(
  stack: TestStack,
  batchId: string,
): Promise<{ records: number; invalidRows: number }> {
  return countRecords(stack.records, batchId);
}
