import { guardedQuery, type PgPool } from '../../db/postgres.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { decodeCursor, toPage } from './cursor.js';
import { postgresInvalidRows, type PgQuery } from './postgresInvalidRows.js';
import {
  EXPECTED_RECORD_COLUMN_TYPES,
  SELECT_RECORDS,
  UPSERT_INVALID,
  UPSERT_RECORDS,
  recordColumnArrays,
  toRecord,
  type RecordRow,
} from './postgresRecordSql.js';
import {
  assertBatchId,
  assertPageLimit,
  lastPerRowNumber,
  normalizeInvalidRow,
  normalizeRecord,
} from './recordRow.js';
import type { RecordsPage, RecordsRepository } from './recordsRepository.js';

export interface PostgresRecordsOptions {
  /** Rows per INSERT statement (one array parameter per column). */
  chunkSize?: number;
  /** Page size used by streamInvalidRows. */
  streamPageSize?: number;
}

/**
 * The columns of the live batch_records table that the contact schema expects but the
 * migrations did not create (or created with another type); empty when they agree.
 */
export async function recordColumnProblems(pool: PgPool): Promise<string[]> {
  const { rows } = await guardedQuery(
    pool,
    'records',
  )<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'batch_records'`,
  );
  const live = new Map(rows.map((r) => [r.column_name, r.data_type]));
  const problems: string[] = [];
  for (const [column, type] of EXPECTED_RECORD_COLUMN_TYPES) {
    const found = live.get(column);
    if (found !== type) {
      problems.push(`batch_records.${column}: expected ${type}, found ${found ?? 'no column'}`);
    }
  }
  return problems;
}

/**
 * PostgreSQL records store (tables from migration 002; migrations run at start-up through
 * runMigrations()). `init()` checks that the tables have every column of the contact schema, so
 * a field added without its migration stops the start with a message naming the column.
 */
export function createPostgresRecordsRepository(
  pool: PgPool,
  options: PostgresRecordsOptions = {},
): RecordsRepository {
  const chunkSize = options.chunkSize ?? 1_000;
  const streamPageSize = options.streamPageSize ?? 500;
  const run = guardedQuery(pool, 'records');
  const query: PgQuery = async <R extends object>(name: string, text: string, values: unknown[]) =>
    (await run<R>({ name, text, values })).rows;
  const invalidRows = postgresInvalidRows({ query, chunkSize, streamPageSize });

  async function writeRecords(batchId: string, records: readonly ContactRecord[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(records.map(normalizeRecord));
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      await query('records_upsert', UPSERT_RECORDS, [id, ...recordColumnArrays(chunk)]);
    }
  }

  async function writeInvalidRows(batchId: string, invalid: readonly InvalidRow[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(invalid.map(normalizeInvalidRow));
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      await query('records_invalid_upsert', UPSERT_INVALID, [
        id,
        chunk.map((r) => r.rowNumber),
        chunk.map((r) => r.reason),
        chunk.map((r) => JSON.stringify(r.original)),
      ]);
    }
  }

  async function listRecords(
    batchId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<RecordsPage> {
    const id = assertBatchId(batchId);
    const pageSize = assertPageLimit(limit);
    const after = cursor === undefined ? -1 : decodeCursor(cursor);
    // One extra row tells whether a next page exists, so the last page never has a dangling cursor.
    const rows = await query<RecordRow>('records_list', SELECT_RECORDS, [id, after, pageSize + 1]);
    return toPage(rows.map(toRecord), pageSize);
  }

  async function deleteBatch(batchId: string): Promise<void> {
    const id = assertBatchId(batchId);
    // One statement, one transaction: both tables or neither.
    await query(
      'records_delete',
      `WITH r AS (DELETE FROM batch_records WHERE batch_id = $1)
       DELETE FROM batch_invalid_rows WHERE batch_id = $1`,
      [id],
    );
  }

  return {
    kind: 'postgres',
    async init() {
      const problems = await recordColumnProblems(pool);
      if (problems.length > 0) {
        throw new Error(
          `batch_records does not match the contact schema (missing migration?): ${problems.join('; ')}`,
        );
      }
    },
    writeRecords,
    writeInvalidRows,
    listRecords,
    ...invalidRows,
    deleteBatch,
    async ping() {
      await query('records_ping', 'SELECT 1', []);
    },
    // The pool belongs to the composition root (the batches repository shares it).
    close: () => Promise.resolve(),
  };
}
