import cassandra from 'cassandra-driver';
import {
  assertKeyspaceName,
  ensureCassandraSchema,
  wrapCassandraError,
  type CassandraClient,
} from '../../db/cassandra.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { decodeCursor, toPage } from './cursor.js';
import {
  assertBatchId,
  assertPageLimit,
  lastPerRowNumber,
  normalizeInvalidRow,
  normalizeRecord,
  parseOriginal,
} from './normalize.js';
import type { RecordsPage, RecordsRepository, StoredRecord } from './recordsRepository.js';

/**
 * How rows are sent. Measured with bench/raw-insert.ts (100k contact rows ~650 B each, one local
 * Cassandra 5.0.9 node, 2 vCPUs shared with the client): single-partition UNLOGGED batches kept
 * under ~4 KiB wrote 45-62k rows/s through this repository, one prepared INSERT per row
 * (executeConcurrent-style, concurrency 64-128) 21-38k rows/s; raw driver ceilings 54-101k
 * rows/s (batches of 10-50 rows, the larger ones over the 5 KiB warn threshold) vs 27-36k rows/s
 * (executeConcurrent). So 'batches' is the default. Batches never span partitions (one bucket
 * each), and the driver routes a batch by its first statement's partition key, so on a cluster
 * it still goes to a replica. 'rows' is kept for comparison and as a fallback.
 */
export type CassandraWriteMode = 'batches' | 'rows';

export interface CassandraRecordsOptions {
  keyspace: string;
  /** Row numbers per partition. Part of the data layout: never change it for existing data. */
  bucketSize?: number;
  /** Requests in flight per write call. */
  concurrency?: number;
  writeMode?: CassandraWriteMode;
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
type Row = cassandra.types.Row;
const { unset } = cassandra.types;

/** Nullable ContactRecord fields, in column order; the index is the field's bit in `null_mask`. */
const NULLABLE_FIELDS = [
  ['fullName', 'full_name'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['company', 'company'],
  ['title', 'title'],
  ['street', 'street'],
  ['city', 'city'],
  ['region', 'region'],
  ['postalCode', 'postal_code'],
  ['country', 'country'],
] as const satisfies readonly (readonly [keyof ContactRecord, string])[];
type NullableField = (typeof NULLABLE_FIELDS)[number][0];
const ISSUES_EMPTY_BIT = 1 << NULLABLE_FIELDS.length;

const RECORD_COLUMNS = [
  'row_number',
  ...NULLABLE_FIELDS.map(([, column]) => column),
  'original',
  'issues',
  'null_mask',
] as const;

// Writes and reads are idempotent (client-side timestamps: a rewrite of the same key replaces
// the row), so the driver may retry them on timeouts.
const WRITE_OPTIONS = { prepare: true, isIdempotent: true } as const;
const READ_OPTIONS = { prepare: true, isIdempotent: true } as const;

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

/**
 * Estimated size of one row's mutation as Cassandra's batch size check counts it (cell values
 * plus per-cell timestamp/flags; unset cells cost nothing). Calibrated against the server's
 * "Batch ... is of size" warnings for contact-like rows (~660 B/row measured, ~5% over-estimated
 * here), so a 4 KiB estimate stays under the 5 KiB warn threshold.
 */
function mutationBytes(params: readonly unknown[]): number {
  let bytes = 16;
  for (const value of params) {
    if (typeof value === 'string') {
      bytes += 14 + Buffer.byteLength(value, 'utf8');
    } else if (Array.isArray(value)) {
      bytes += 14;
      for (const item of value as string[]) {
        bytes += 4 + Buffer.byteLength(item, 'utf8');
      }
    } else if (value !== unset) {
      bytes += 18;
    }
  }
  return bytes;
}

/**
 * Null fields and an empty `issues` list are never written as null: in Cassandra a null (or an
 * empty collection) is a tombstone cell, and reading a page of contacts with a handful of empty
 * columns each would scan thousands of tombstones (measured: warnings from 1000-row pages
 * already, and tombstone_failure_threshold aborts reads at 100k). Instead the column is left
 * unset and its bit is set in `null_mask`, which is always written. Reads trust the mask, so a
 * rewrite that turns a value into null still reads back as null (exact upsert semantics, like
 * PostgreSQL) while the partition holds no tombstones until deleteBatch drops it.
 */
function toRecord(row: Row): StoredRecord {
  const mask = (row.null_mask as number | null) ?? 0;
  const fields = Object.fromEntries(
    NULLABLE_FIELDS.map(([field, column], bit) => [
      field,
      mask & (1 << bit) ? null : ((row[column] as string | null | undefined) ?? null),
    ]),
  ) as Pick<ContactRecord, NullableField>;
  // Same key order as the PostgreSQL store, so JSON responses look alike too.
  return {
    rowNumber: row.row_number as number,
    ...fields,
    original: parseOriginal(row.original as string | null),
    issues: mask & ISSUES_EMPTY_BIT ? [] : ((row.issues as string[] | null) ?? []),
  };
}

function toInvalidRow(row: Row): InvalidRow {
  return {
    rowNumber: row.row_number as number,
    reason: (row.reason as string | null) ?? '',
    original: parseOriginal(row.original as string | null),
  };
}

export function createCassandraRecordsRepository(
  client: CassandraClient,
  options: CassandraRecordsOptions,
): RecordsRepository {
  const { keyspace } = options;
  assertKeyspaceName(keyspace);
  const bucketSize = options.bucketSize ?? 10_000;
  const concurrency = options.concurrency ?? 64;
  const writeMode = options.writeMode ?? 'batches';
  const maxBatchBytes = options.maxBatchBytes ?? 4_096;
  const streamPageSize = options.streamPageSize ?? 500;
  if (!Number.isInteger(bucketSize) || bucketSize < 1) {
    throw new TypeError('bucketSize must be a positive integer');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError('concurrency must be a positive integer');
  }

  const table = (name: string): string => `${keyspace}.${name}`;
  const bucketOf = (rowNumber: number): number => Math.floor(rowNumber / bucketSize);
  const dataTable: Record<Kind, string> = {
    record: table('batch_records'),
    invalid: table('batch_invalid_rows'),
  };

  const q = {
    insertRecord: `INSERT INTO ${dataTable.record} (batch_id, bucket, ${RECORD_COLUMNS.join(', ')})
                   VALUES (?, ?, ${RECORD_COLUMNS.map(() => '?').join(', ')})`,
    insertInvalid: `INSERT INTO ${dataTable.invalid} (batch_id, bucket, row_number, reason, original)
                    VALUES (?, ?, ?, ?, ?)`,
    insertBucket: `INSERT INTO ${table('batch_buckets')} (batch_id, kind, bucket) VALUES (?, ?, ?)`,
    selectBuckets: `SELECT bucket FROM ${table('batch_buckets')} WHERE batch_id = ? AND kind = ? AND bucket >= ?`,
    selectRecords: `SELECT ${RECORD_COLUMNS.join(', ')} FROM ${dataTable.record}
                    WHERE batch_id = ? AND bucket = ? AND row_number > ? LIMIT ?`,
    selectInvalid: `SELECT row_number, reason, original FROM ${dataTable.invalid}
                    WHERE batch_id = ? AND bucket = ?`,
    count: (kind: Kind) => `SELECT COUNT(*) AS n FROM ${dataTable[kind]} WHERE batch_id = ? AND bucket = ?`,
    deletePartition: (kind: Kind) => `DELETE FROM ${dataTable[kind]} WHERE batch_id = ? AND bucket = ?`,
    deleteBucket: `DELETE FROM ${table('batch_buckets')} WHERE batch_id = ? AND kind = ? AND bucket = ?`,
  };

  async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw wrapCassandraError(error, action);
    }
  }

  async function bucketsOf(batchId: string, kind: Kind, fromBucket = 0): Promise<number[]> {
    const result = await client.execute(q.selectBuckets, [batchId, kind, fromBucket], READ_OPTIONS);
    const buckets: number[] = [];
    for await (const row of result) {
      buckets.push(row.bucket as number);
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
    insert: string,
    toParams: (row: T, bucket: number) => unknown[],
  ): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const buckets = [...new Set(rows.map((r) => bucketOf(r.rowNumber)))];
    await runBounded(buckets, concurrency, (bucket) =>
      client.execute(q.insertBucket, [batchId, kind, bucket], WRITE_OPTIONS),
    );
    if (writeMode === 'rows') {
      await runBounded(rows, concurrency, (row) =>
        client.execute(insert, toParams(row, bucketOf(row.rowNumber)), WRITE_OPTIONS),
      );
      return;
    }
    // Single-partition UNLOGGED batches: rows grouped by bucket, cut by estimated size.
    const batches: { query: string; params: unknown[] }[][] = [];
    let current: { query: string; params: unknown[] }[] = [];
    let currentBucket = -1;
    let currentBytes = 0;
    const sorted = [...rows].sort((a, b) => a.rowNumber - b.rowNumber);
    for (const row of sorted) {
      const bucket = bucketOf(row.rowNumber);
      const params = toParams(row, bucket);
      const bytes = mutationBytes(params);
      if (current.length > 0 && (bucket !== currentBucket || currentBytes + bytes > maxBatchBytes)) {
        batches.push(current);
        current = [];
        currentBytes = 0;
      }
      currentBucket = bucket;
      currentBytes += bytes;
      current.push({ query: insert, params });
    }
    if (current.length > 0) {
      batches.push(current);
    }
    await runBounded(batches, concurrency, (batch) =>
      batch.length === 1
        ? client.execute(batch[0]!.query, batch[0]!.params, WRITE_OPTIONS)
        : client.batch(batch, { ...WRITE_OPTIONS, logged: false }),
    );
  }

  // The batch id is bound as a driver Uuid built once per call: a string would be parsed again
  // for every row (Uuid.fromString showed up at ~1% of worker CPU in bench/ profiles).
  function recordParams(batchId: cassandra.types.Uuid) {
    return (r: ContactRecord, bucket: number): unknown[] => {
      const params: unknown[] = [batchId, bucket, r.rowNumber];
      let mask = 0;
      NULLABLE_FIELDS.forEach(([field], bit) => {
        const value = r[field];
        if (value === null) {
          mask |= 1 << bit;
        }
        params.push(value ?? unset);
      });
      if (r.issues.length === 0) {
        mask |= ISSUES_EMPTY_BIT;
      }
      params.push(JSON.stringify(r.original), r.issues.length === 0 ? unset : r.issues, mask);
      return params;
    };
  }

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

  async function countRecords(batchId: string): Promise<{ records: number; invalidRows: number }> {
    const id = assertBatchId(batchId);
    return guard('counting records', async () => {
      const countKind = async (kind: Kind): Promise<number> => {
        let total = 0;
        await runBounded(await bucketsOf(id, kind), concurrency, async (bucket) => {
          const result = await client.execute(q.count(kind), [id, bucket], READ_OPTIONS);
          total += Number(result.first()?.get('n') ?? 0);
        });
        return total;
      };
      const [records, invalidRows] = await Promise.all([countKind('record'), countKind('invalid')]);
      return { records, invalidRows };
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
      const key = cassandra.types.Uuid.fromString(id);
      await guard('writing records', () => writeRows(id, 'record', rows, q.insertRecord, recordParams(key)));
    },
    async writeInvalidRows(batchId, invalid) {
      const id = assertBatchId(batchId);
      const rows = lastPerRowNumber(invalid.map(normalizeInvalidRow));
      await guard('writing invalid rows', () =>
        writeRows(id, 'invalid', rows, q.insertInvalid, (r, bucket) => [
          id,
          bucket,
          r.rowNumber,
          r.reason,
          JSON.stringify(r.original),
        ]),
      );
    },
    listRecords,
    streamInvalidRows,
    countRecords,
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
