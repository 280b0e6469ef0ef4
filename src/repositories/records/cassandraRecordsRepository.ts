import cassandra from 'cassandra-driver';
import type { CassandraClient } from '../../db/cassandra.js';
import { wrapCassandraError } from '../../db/cassandraErrors.js';
import { assertKeyspaceName, ensureCassandraSchema } from '../../db/cassandraSchema.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { RECORD_COLUMNS, recordParams, toInvalidRow, toRecord } from './cassandraRecordRow.js';
import { groupByBucket, partitionBatches, runBounded, type Statement } from './cassandraWrites.js';
import { decodeCursor, toPage } from './cursor.js';
import {
  assertBatchId,
  assertPageLimit,
  lastPerRowNumber,
  normalizeInvalidRow,
  normalizeRecord,
} from './recordRow.js';
import type { InvalidRowsPage, RecordsPage, RecordsRepository, StoredRecord } from './recordsRepository.js';

export interface CassandraRecordsOptions {
  keyspace: string;
  /** Row numbers per partition. Part of the data layout: never change it for existing data. */
  bucketSize?: number;
  /** Requests in flight per write call. */
  concurrency?: number;
  /** Estimated mutation bytes per UNLOGGED batch; the server warns at 5 KiB. */
  maxBatchBytes?: number;
  /** Used by init() when creating the keyspace. */
  replicationFactor?: number;
  /** Page size used by streamInvalidRows. */
  streamPageSize?: number;
  /** close() shuts the client down (default true: the repository owns its client). */
  closeClient?: boolean;
}

type Kind = 'record' | 'invalid';

// Writes and reads are idempotent (client-side timestamps: a rewrite of the same key replaces
// the row), so the driver may retry them on timeouts.
const WRITE_OPTIONS = { prepare: true, isIdempotent: true } as const;
const READ_OPTIONS = { prepare: true, isIdempotent: true } as const;

function checkedOptions(options: CassandraRecordsOptions) {
  assertKeyspaceName(options.keyspace);
  const settings = {
    keyspace: options.keyspace,
    bucketSize: options.bucketSize ?? 10_000,
    concurrency: options.concurrency ?? 64,
    maxBatchBytes: options.maxBatchBytes ?? 4_096,
    streamPageSize: options.streamPageSize ?? 500,
  };
  for (const name of ['bucketSize', 'concurrency'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1) {
      throw new TypeError(`${name} must be a positive integer`);
    }
  }
  return settings;
}

function statements(keyspace: string) {
  const records = `${keyspace}.batch_records`;
  const invalid = `${keyspace}.batch_invalid_rows`;
  const buckets = `${keyspace}.batch_buckets`;
  const dataTable: Record<Kind, string> = { record: records, invalid };
  return {
    insertRecord: `INSERT INTO ${records} (batch_id, bucket, ${RECORD_COLUMNS.join(', ')})
                   VALUES (?, ?, ${RECORD_COLUMNS.map(() => '?').join(', ')})`,
    insertInvalid: `INSERT INTO ${invalid} (batch_id, bucket, row_number, reason, original) VALUES (?, ?, ?, ?, ?)`,
    insertBucket: `INSERT INTO ${buckets} (batch_id, kind, bucket) VALUES (?, ?, ?)`,
    selectBuckets: `SELECT bucket FROM ${buckets} WHERE batch_id = ? AND kind = ? AND bucket >= ?`,
    selectRecords: `SELECT ${RECORD_COLUMNS.join(', ')} FROM ${records}
                    WHERE batch_id = ? AND bucket = ? AND row_number > ? LIMIT ?`,
    selectInvalid: `SELECT row_number, reason, original FROM ${invalid} WHERE batch_id = ? AND bucket = ?`,
    selectInvalidAfter: `SELECT row_number, reason, original FROM ${invalid}
                         WHERE batch_id = ? AND bucket = ? AND row_number > ? LIMIT ?`,
    selectInvalidIn: `SELECT row_number, reason, original FROM ${invalid}
                      WHERE batch_id = ? AND bucket = ? AND row_number IN ?`,
    deleteInvalidIn: `DELETE FROM ${invalid} WHERE batch_id = ? AND bucket = ? AND row_number IN ?`,
    deletePartition: (kind: Kind) => `DELETE FROM ${dataTable[kind]} WHERE batch_id = ? AND bucket = ?`,
    deleteBucket: `DELETE FROM ${buckets} WHERE batch_id = ? AND kind = ? AND bucket = ?`,
  };
}

async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrapCassandraError(error, action);
  }
}

/**
 * The bucket index and bucketed writes: rows go to partitions of `bucketSize` row numbers, and
 * `batch_buckets` lists which partitions a batch has, so reads and deletes find them.
 */
function bucketedWrites(
  client: CassandraClient,
  q: ReturnType<typeof statements>,
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

/** Cassandra records store (keyspace and tables from init(), see src/db/cassandraSchema.ts). */
export function createCassandraRecordsRepository(
  client: CassandraClient,
  options: CassandraRecordsOptions,
): RecordsRepository {
  const { keyspace, bucketSize, concurrency, maxBatchBytes, streamPageSize } = checkedOptions(options);
  const q = statements(keyspace);
  const bucketOf = (rowNumber: number): number => Math.floor(rowNumber / bucketSize);

  const { bucketsOf, writeRows } = bucketedWrites(client, q, { bucketOf, concurrency, maxBatchBytes });

  async function listRecords(
    batchId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<RecordsPage> {
    const id = assertBatchId(batchId);
    const pageSize = assertPageLimit(limit);
    const after = cursor === undefined ? -1 : decodeCursor(cursor);
    return guard('listing records', async () => {
      const wanted = pageSize + 1; // one extra row tells whether a next page exists
      const rows: StoredRecord[] = [];
      for (const bucket of await bucketsOf(id, 'record', Math.max(0, bucketOf(after)))) {
        const result = await client.execute(q.selectRecords, [id, bucket, after, wanted - rows.length], {
          ...READ_OPTIONS,
          fetchSize: Math.min(wanted - rows.length, 1_000),
        });
        for await (const row of result) {
          rows.push(toRecord(row));
        }
        if (rows.length >= wanted) {
          break;
        }
      }
      return toPage(rows, pageSize);
    });
  }

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
      const rows: InvalidRow[] = [];
      for (const bucket of await bucketsOf(id, 'invalid', Math.max(0, bucketOf(after)))) {
        const result = await client.execute(q.selectInvalidAfter, [id, bucket, after, wanted - rows.length], {
          ...READ_OPTIONS,
          fetchSize: Math.min(wanted - rows.length, 1_000),
        });
        for await (const row of result) {
          rows.push(toInvalidRow(row));
        }
        if (rows.length >= wanted) {
          break;
        }
      }
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

  async function deleteBatch(batchId: string): Promise<void> {
    const id = assertBatchId(batchId);
    await guard('deleting records', async () => {
      const partitions: { kind: Kind; bucket: number }[] = [];
      for (const kind of ['record', 'invalid'] as const) {
        for (const bucket of await bucketsOf(id, kind)) {
          partitions.push({ kind, bucket });
        }
      }
      await runBounded(partitions, concurrency, ({ kind, bucket }) =>
        client.execute(q.deletePartition(kind), [id, bucket], WRITE_OPTIONS),
      );
      // Index last, and only the entries read above: if this fails, a retry still finds every
      // partition, and a bucket a racing worker just added stays findable for its own clean-up.
      await runBounded(partitions, concurrency, ({ kind, bucket }) =>
        client.execute(q.deleteBucket, [id, kind, bucket], WRITE_OPTIONS),
      );
    });
  }

  return {
    kind: 'cassandra',
    async init() {
      await ensureCassandraSchema(client, keyspace, { replicationFactor: options.replicationFactor ?? 1 });
    },
    async writeRecords(batchId, records) {
      const id = assertBatchId(batchId);
      const rows = lastPerRowNumber(records.map(normalizeRecord));
      const params = recordParams(cassandra.types.Uuid.fromString(id));
      await guard('writing records', () =>
        writeRows(id, 'record', rows, (r, bucket) => ({ query: q.insertRecord, params: params(r, bucket) })),
      );
    },
    async writeInvalidRows(batchId, invalid) {
      const id = assertBatchId(batchId);
      const rows = lastPerRowNumber(invalid.map(normalizeInvalidRow));
      await guard('writing invalid rows', () =>
        writeRows(id, 'invalid', rows, (r, bucket) => ({
          query: q.insertInvalid,
          params: [id, bucket, r.rowNumber, r.reason, JSON.stringify(r.original)],
        })),
      );
    },
    listRecords,
    streamInvalidRows,
    listInvalidRows,
    findInvalidRows,
    replaceInvalidRows,
    deleteBatch,
    async ping() {
      await guard('checking readiness', () =>
        client.execute('SELECT release_version FROM system.local', [], READ_OPTIONS),
      );
    },
    async close() {
      if (options.closeClient !== false) {
        await client.shutdown();
      }
    },
  };
}
