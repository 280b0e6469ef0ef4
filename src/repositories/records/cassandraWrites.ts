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

/** How rows are cut into single-partition UNLOGGED batches. */
export interface BatchCut {
  /** Rows per batch. */
  maxRows: number;
  /**
   * Estimated mutation bytes per batch: a bound for rows far larger than usual (long `original`
   * cells), kept well under Cassandra's max_mutation_size (half a 32 MiB commit log segment).
   */
  maxBytes: number;
}

/**
 * Rows grouped into single-partition UNLOGGED batches (one bucket each), cut by row count with
 * a byte bound. A single-partition batch is ONE mutation: one commit log entry and one sync,
 * however many rows, and Cassandra skips its batch size warn/fail check for it (it only guards
 * batches spanning partitions). The former cut at ~4 KiB (~6 rows) made 100k rows ~16.5k
 * mutations, each waiting for its own commit log sync. Sizes measured with bench/raw-insert.ts
 * (see docs/performance.md, "Records store writes"). Batches never span partitions, and the
 * driver routes a batch by its first statement's partition key, so on a cluster it still goes
 * to a replica.
 */
export function partitionBatches<T extends { rowNumber: number }>(
  rows: readonly T[],
  bucketOf: (rowNumber: number) => number,
  toStatement: (row: T, bucket: number) => Statement,
  cut: BatchCut,
): Statement[][] {
  const batches: Statement[][] = [];
  let current: Statement[] = [];
  let currentBucket = -1;
  let currentBytes = 0;
  for (const row of [...rows].sort((a, b) => a.rowNumber - b.rowNumber)) {
    const bucket = bucketOf(row.rowNumber);
    const statement = toStatement(row, bucket);
    const bytes = mutationBytes(statement.params);
    if (
      current.length > 0 &&
      (bucket !== currentBucket || current.length >= cut.maxRows || currentBytes + bytes > cut.maxBytes)
    ) {
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
