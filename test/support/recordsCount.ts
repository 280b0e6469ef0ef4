import type { TestStack } from './testStack.js';

/**
 * How many records and invalid rows a batch holds in the records store. The one place tests ask
 * the store for counts, so a change to the repository's counting member is fixed here only.
 */
export async function recordsCount(
  stack: TestStack,
  batchId: string,
): Promise<{ records: number; invalidRows: number }> {
  return stack.deps.records.countRecords(batchId);
}
