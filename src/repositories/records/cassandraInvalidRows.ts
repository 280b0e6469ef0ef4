import cassandra from 'cassandra-driver';
import type { CassandraClient } from '../../db/cassandra.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import type { BucketedWrites } from './cassandraBuckets.js';
import { recordParams, toInvalidRow } from './cassandraRecordRow.js';
import { READ_OPTIONS, WRITE_OPTIONS, guard, type CassandraStatements } from './cassandraStatements.js';
import { groupByBucket, runBounded } from './cassandraWrites.js';
import { decodeCursor, toPage } from './cursor.js';
import { assertBatchId, assertPageLimit, lastPerRowNumber, normalizeRecord } from './recordRow.js';
import type { InvalidRowsPage, RecordsRepository } from './recordsRepository.js';

interface InvalidRowsDeps extends BucketedWrites {
  client: CassandraClient;
  q: CassandraStatements;
  bucketOf: (rowNumber: number) => number;
  concurrency: number;
  streamPageSize: number;
}

/** The Cassandra store's reads of a batch's invalid rows, and their replacement by fixed records. */
export function cassandraInvalidRows({
  client,
  q,
  bucketOf,
  concurrency,
  streamPageSize,
  bucketsOf,
  rowsAfter,
  writeRows,
}: InvalidRowsDeps): Pick<
  RecordsRepository,
  'streamInvalidRows' | 'listInvalidRows' | 'findInvalidRows' | 'replaceInvalidRows'
> {
  async function* streamInvalidRows(batchId: string): AsyncIterable<InvalidRow> {
    const id = assertBatchId(batchId);
    const buckets = await guard('reading invalid rows', () => bucketsOf(id, 'invalid'));
    for (const bucket of buckets) {
      const result = await guard('reading invalid rows', () =>
        client.execute(q.selectInvalid, [id, bucket], { ...READ_OPTIONS, fetchSize: streamPageSize }),
      );
      // Iterating the result set fetches the next page only when this one is consumed.
      const iterator = result[Symbol.asyncIterator]();
      for (;;) {
        const next = await guard('reading invalid rows', () => iterator.next());
        if (next.done) {
          break;
        }
        yield toInvalidRow(next.value);
      }
    }
  }

  async function listInvalidRows(
    batchId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<InvalidRowsPage> {
    const id = assertBatchId(batchId);
    const pageSize = assertPageLimit(limit);
    const after = cursor === undefined ? -1 : decodeCursor(cursor);
    return guard('listing invalid rows', async () => {
      const wanted = pageSize + 1;
      const rows = await rowsAfter(id, 'invalid', q.selectInvalidAfter, { after, wanted }, toInvalidRow);
      const page = toPage(rows, pageSize);
      return { rows: page.records, nextCursor: page.nextCursor };
    });
  }

  const byBucket = (rowNumbers: readonly number[]) => groupByBucket(rowNumbers, bucketOf);

  async function findInvalidRows(batchId: string, rowNumbers: readonly number[]): Promise<InvalidRow[]> {
    const id = assertBatchId(batchId);
    return guard('reading invalid rows', async () => {
      const found: InvalidRow[] = [];
      await runBounded([...byBucket(rowNumbers)], concurrency, async ([bucket, numbers]) => {
        const result = await client.execute(q.selectInvalidIn, [id, bucket, numbers], READ_OPTIONS);
        found.push(...result.rows.map(toInvalidRow));
      });
      return found;
    });
  }

  async function replaceInvalidRows(batchId: string, records: readonly ContactRecord[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(records.map(normalizeRecord));
    const params = recordParams(cassandra.types.Uuid.fromString(id));
    await guard('fixing invalid rows', async () => {
      // Records first: an interruption leaves a row fixed and still listed, never neither.
      await writeRows(id, 'record', rows, (r, bucket) => ({
        query: q.insertRecord,
        params: params(r, bucket),
      }));
      await runBounded([...byBucket(rows.map((r) => r.rowNumber))], concurrency, ([bucket, numbers]) =>
        client.execute(q.deleteInvalidIn, [id, bucket, numbers], WRITE_OPTIONS),
      );
    });
  }

  return { streamInvalidRows, listInvalidRows, findInvalidRows, replaceInvalidRows };
}
