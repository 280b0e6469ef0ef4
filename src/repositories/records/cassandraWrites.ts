import { mutationBytes } from './cassandraRecordRow.js';

/** Runs `task` over `items` with at most `limit` in flight; stops scheduling after the first failure. */
export async function runBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) {
    throw rejected.reason;
  }
}

export interface Statement {
  query: string;
  params: unknown[];
}

/**
 * Rows grouped into single-partition UNLOGGED batches (one bucket each), cut by estimated
 * mutation size. Measured with bench/raw-insert.ts (100k contact rows ~650 B each, one local
 * Cassandra 5.0.9 node, 2 vCPUs shared with the client): batches kept under ~4 KiB wrote
 * 45-62k rows/s through the repository, one prepared INSERT per row 21-38k rows/s. Batches never
 * span partitions, and the driver routes a batch by its first statement's partition key, so on a
 * cluster it still goes to a replica.
 */
export function partitionBatches<T extends { rowNumber: number }>(
  rows: readonly T[],
  bucketOf: (rowNumber: number) => number,
  toStatement: (row: T, bucket: number) => Statement,
  maxBatchBytes: number,
): Statement[][] {
  const batches: Statement[][] = [];
  let current: Statement[] = [];
  let currentBucket = -1;
  let currentBytes = 0;
  for (const row of [...rows].sort((a, b) => a.rowNumber - b.rowNumber)) {
    const bucket = bucketOf(row.rowNumber);
    const statement = toStatement(row, bucket);
    const bytes = mutationBytes(statement.params);
    if (current.length > 0 && (bucket !== currentBucket || currentBytes + bytes > maxBatchBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    currentBucket = bucket;
    currentBytes += bytes;
    current.push(statement);
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

/** Row numbers grouped by their partition (each once), for per-partition `IN` statements. */
export function groupByBucket(
  rowNumbers: readonly number[],
  bucketOf: (rowNumber: number) => number,
): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const n of new Set(rowNumbers)) {
    groups.set(bucketOf(n), [...(groups.get(bucketOf(n)) ?? []), n]);
  }
  return groups;
}
