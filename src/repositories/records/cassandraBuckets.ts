import type cassandra from 'cassandra-driver';
import type { CassandraClient } from '../../db/cassandra.js';
import { partitionBatches, runBounded, type BatchCut, type Statement } from './cassandraWrites.js';
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
    batchCut,
  }: { bucketOf: (rowNumber: number) => number; concurrency: number; batchCut: BatchCut },
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
   * Up to `wanted` rows with row number > `after`, in row order, reading the batch's partitions
   * of `kind` from the one holding `after` on, each with `query` (batch, bucket, after, limit).
   */
  async function rowsAfter<T>(
    batchId: string,
    kind: Kind,
    query: string,
    { after, wanted }: { after: number; wanted: number },
    toRow: (row: cassandra.types.Row) => T,
  ): Promise<T[]> {
    const rows: T[] = [];
    for (const bucket of await bucketsOf(batchId, kind, Math.max(0, bucketOf(after)))) {
      const result = await client.execute(query, [batchId, bucket, after, wanted - rows.length], {
        ...READ_OPTIONS,
        fetchSize: Math.min(wanted - rows.length, 1_000),
      });
      for await (const row of result) {
        rows.push(toRow(row));
      }
      if (rows.length >= wanted) {
        break;
      }
    }
    return rows;
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
    const batches = partitionBatches(rows, bucketOf, toStatement, batchCut);
    await runBounded(batches, concurrency, (batch) =>
      batch.length === 1
        ? client.execute(batch[0]!.query, batch[0]!.params, WRITE_OPTIONS)
        : client.batch(batch, { ...WRITE_OPTIONS, logged: false }),
    );
  }

  return { bucketsOf, rowsAfter, writeRows };
}
