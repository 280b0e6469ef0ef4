/**
 * The Cassandra write workload of the records repository, rebuilt from its own parts so a raw
 * reference writes exactly what the pipeline writes: the same INSERT (every contact column plus
 * `null_mask`), the same parameters (null fields unset and flagged in the mask, no tombstones),
 * the same single-partition UNLOGGED batches cut at the same estimated size, at the same
 * concurrency. What it leaves out is the pipeline around it (parsing, PostgreSQL, the queue) and
 * the repository's bucket-index rows (one per 10,000 records).
 */
import cassandra from 'cassandra-driver';
import type { CassandraClient } from '../../src/db/cassandra.js';
import { RECORD_TABLE_COLUMNS } from '../../src/db/cassandraSchema.js';
import type { ContactRecord } from '../../src/parsing/types.js';
import { RECORD_COLUMNS, recordParams } from '../../src/repositories/records/cassandraRecordRow.js';
import { DEFAULT_WRITE } from '../../src/repositories/records/cassandraRecordsRepository.js';
import {
  partitionBatches,
  runBounded,
  type Statement,
} from '../../src/repositories/records/cassandraWrites.js';

/** Write calls the worker keeps in flight (batchProcessor's maxInFlightWrites default). */
const WORKER_WRITE_CALLS_IN_FLIGHT = 2;

/**
 * The repository's defaults (createCassandraRecordsRepository), taken from it so the reference
 * can never drift from the strategy it is the ceiling of. The worker runs 2 write calls at once
 * (batchProcessor's maxInFlightWrites), each with `concurrency` batches in flight: the reference
 * keeps as many in flight over the whole file.
 */
export const REPOSITORY_WRITE = {
  ...DEFAULT_WRITE,
  inFlight: DEFAULT_WRITE.concurrency * WORKER_WRITE_CALLS_IN_FLIGHT,
} as const;

export function insertStatement(table: string): string {
  return `INSERT INTO ${table} (batch_id, bucket, ${RECORD_COLUMNS.join(', ')})
          VALUES (?, ?, ${RECORD_COLUMNS.map(() => '?').join(', ')})`;
}

/** DDL of a table shaped exactly like batch_records (same columns, types and key). */
export function recordTableDdl(table: string): string {
  const columns = [...RECORD_TABLE_COLUMNS].map(([name, type]) => `${name} ${type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns}, PRIMARY KEY ((batch_id, bucket), row_number))
          WITH CLUSTERING ORDER BY (row_number ASC)`;
}

export const bucketOf = (rowNumber: number): number => Math.floor(rowNumber / REPOSITORY_WRITE.bucketSize);

/** The repository's statements for `records` of one batch, grouped into its UNLOGGED batches. */
export function repositoryBatches(
  table: string,
  batchId: string,
  records: readonly ContactRecord[],
  cut: { maxRows: number; maxBytes: number } = {
    maxRows: REPOSITORY_WRITE.maxBatchRows,
    maxBytes: REPOSITORY_WRITE.maxBatchBytes,
  },
): Statement[][] {
  const query = insertStatement(table);
  const params = recordParams(cassandra.types.Uuid.fromString(batchId));
  return partitionBatches(
    records,
    bucketOf,
    (record, bucket) => ({ query, params: params(record, bucket) }),
    cut,
  );
}

/** Writes the batches the way the repository does (single statements alone, others batched). */
export async function writeBatches(
  client: CassandraClient,
  batches: readonly Statement[][],
  inFlight: number = REPOSITORY_WRITE.inFlight,
): Promise<void> {
  const options = { prepare: true, isIdempotent: true } as const;
  await runBounded(batches, inFlight, (batch) =>
    batch.length === 1
      ? client.execute(batch[0]!.query, batch[0]!.params, options)
      : client.batch(batch, { ...options, logged: false }),
  );
}

/** Removes what writeBatches wrote for `batchId`. */
export async function deletePartitions(
  client: CassandraClient,
  table: string,
  batchId: string,
  lastRowNumber: number,
): Promise<void> {
  for (let bucket = 0; bucket <= bucketOf(lastRowNumber); bucket++) {
    await client.execute(`DELETE FROM ${table} WHERE batch_id = ? AND bucket = ?`, [batchId, bucket], {
      prepare: true,
    });
  }
}

/** cqlsh's CSV notation of one record as the repository would write it (unset cells empty). */
export function cqlshCsvLine(batchId: string, record: ContactRecord): string {
  const params = recordParams(cassandra.types.Uuid.fromString(batchId))(record, bucketOf(record.rowNumber));
  return params
    .map((value) => {
      if (value === cassandra.types.unset || value === null) {
        return '';
      }
      if (Array.isArray(value)) {
        return csvQuote(`[${(value as string[]).map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`);
      }
      if (value instanceof cassandra.types.Uuid) {
        return value.toString();
      }
      if (typeof value === 'number') {
        return String(value);
      }
      if (typeof value === 'string') {
        return csvQuote(value);
      }
      throw new TypeError(`no cqlsh notation for a ${typeof value} parameter`);
    })
    .join(',');
}

/** cqlsh's COPY dialect: QUOTE '"' with ESCAPE '\\' (its defaults), so quotes are escaped, not doubled. */
function csvQuote(value: string): string {
  return /[",\r\n\\]/.test(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;
}
