import type { CassandraClient } from '../../db/cassandra.js';
import { partitionBatches, runBounded, type Statement } from './cassandraWrites.js';
import { READ_OPTIONS, WRITE_OPTIONS, type CassandraStatements, type Kind } from './cassandraStatements.js';

export type BucketedWrites = ReturnType<typeof bucketedWrites>;

/**
 * The bucket index and bucketed writes: rows go to partitions of `bucketSize` row numbers, and
 * `batch_buckets` lists which partitions a batch has, so reads and deletes find them.
 */
export function bucketedWrites(
  client: CassandraClient,
  q: CassandraStatements,
  {
    bucketOf,
    concurrency,
    maxBatchBytes,
  }: { bucketOf: (rowNumber: number) => number; concurrency: number; maxBatchBytes: number },
) {
  async function bucketsOf(batchId: string, kind: Kind, fromBucket = 0): Promise<number[]> {
    const result = await client.execute(q.selectBuckets, [batchId, kind, fromBucket], READ_OPTIONS);
    const buckets: number[] = [];
    for await (const row of result) {
      buckets.push(row['bucket'] as number);
    }
    return buckets;
  }

  /**
   * Writes the bucket index first, then the rows: a crash in between leaves an index entry for
   * an empty partition (harmless), never rows that deleteBatch cannot find.
   */
  async function writeRows<T extends { rowNumber: number }>(
    batchId: string,
    kind: Kind,
    rows: readonly T[],
    toStatement: (row: T, bucket: number) => Statement,
  ): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const buckets = [...new Set(rows.map((r) => bucketOf(r.rowNumber)))];
    await runBounded(buckets, concurrency, (bucket) =>
      client.execute(q.insertBucket, [batchId, kind, bucket], WRITE_OPTIONS),
    );
    const batches = partitionBatches(rows, bucketOf, toStatement, maxBatchBytes);
    await runBounded(batches, concurrency, (batch) =>
      batch.length === 1
        ? client.execute(batch[0]!.query, batch[0]!.params, WRITE_OPTIONS)
        : client.batch(batch, { ...WRITE_OPTIONS, logged: false }),
    );
  }

  return { bucketsOf, writeRows };
}
