import type { PgPool } from '../../db/postgres.js';
import { DependencyUnavailableError } from '../../errors.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { decodeCursor, toPage } from './cursor.js';
import {
  assertBatchId,
  assertPageLimit,
  lastPerRowNumber,
  normalizeInvalidRow,
  normalizeRecord,
} from './normalize.js';
import type { RecordsPage, RecordsRepository, StoredRecord } from './recordsRepository.js';

export interface PostgresRecordsOptions {
  /** Rows per INSERT statement (16 array parameters each). */
  chunkSize?: number;
  /** Page size used by streamInvalidRows. */
  streamPageSize?: number;
}

const RECORD_COLUMNS = `row_number, full_name, first_name, last_name, email, phone, company, title,
  street, city, region, postal_code, country, original, issues`;

// One statement per chunk: the arrays travel as 15 parameters whatever the chunk size, the plan
// is cached by name, and ON CONFLICT makes a rewritten row replace the old one (idempotent).
const UPSERT_RECORDS = `
  INSERT INTO batch_records (batch_id, ${RECORD_COLUMNS})
  SELECT $1::uuid, u.*
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                $15::jsonb[], $16::jsonb[])
      AS u(row_number, full_name, first_name, last_name, email, phone, company, title,
           street, city, region, postal_code, country, original, issues)
  ON CONFLICT (batch_id, row_number) DO UPDATE SET
    full_name = EXCLUDED.full_name, first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name, email = EXCLUDED.email, phone = EXCLUDED.phone,
    company = EXCLUDED.company, title = EXCLUDED.title, street = EXCLUDED.street,
    city = EXCLUDED.city, region = EXCLUDED.region, postal_code = EXCLUDED.postal_code,
    country = EXCLUDED.country, original = EXCLUDED.original, issues = EXCLUDED.issues`;

const UPSERT_INVALID = `
  INSERT INTO batch_invalid_rows (batch_id, row_number, reason, original)
  SELECT $1::uuid, u.* FROM unnest($2::int[], $3::text[], $4::jsonb[]) AS u(row_number, reason, original)
  ON CONFLICT (batch_id, row_number) DO UPDATE SET reason = EXCLUDED.reason, original = EXCLUDED.original`;

const SELECT_RECORDS = `
  SELECT ${RECORD_COLUMNS} FROM batch_records
   WHERE batch_id = $1 AND row_number > $2
   ORDER BY row_number
   LIMIT $3`;

const SELECT_INVALID = `
  SELECT row_number, reason, original FROM batch_invalid_rows
   WHERE batch_id = $1 AND row_number > $2
   ORDER BY row_number
   LIMIT $3`;

interface RecordRow {
  row_number: number;
  full_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  title: string | null;
  street: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
  original: Record<string, string> | null;
  issues: string[] | null;
}

interface InvalidDbRow {
  row_number: number;
  reason: string;
  original: Record<string, string> | null;
}

function toRecord(row: RecordRow): StoredRecord {
  return {
    rowNumber: row.row_number,
    fullName: row.full_name,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    title: row.title,
    street: row.street,
    city: row.city,
    region: row.region,
    postalCode: row.postal_code,
    country: row.country,
    original: row.original ?? {},
    issues: row.issues ?? [],
  };
}

function toInvalidRow(row: InvalidDbRow): InvalidRow {
  return { rowNumber: row.row_number, reason: row.reason, original: row.original ?? {} };
}

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// 08xxx connection exceptions, 57P01-03 shutdown/starting, 53300 too many connections,
// 57014 statement timeout / cancel, 53xxx insufficient resources.
const SQLSTATE_UNAVAILABLE = /^(08|53|57P0[123]$|57014$)/;
const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Query read timeout',
];

export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || SQLSTATE_UNAVAILABLE.test(code))) {
    return true;
  }
  if (error instanceof AggregateError) {
    return error.errors.some(isPostgresUnavailable);
  }
  return DRIVER_MESSAGES.some((m) => error.message.includes(m));
}

function wrap(error: unknown, action: string): unknown {
  if (isPostgresUnavailable(error)) {
    return new DependencyUnavailableError(`records store unavailable while ${action}`, undefined, {
      cause: error,
    });
  }
  return error;
}

/**
 * PostgreSQL records store (tables from migration 002). `init()` is a no-op: migrations run at
 * start-up through runMigrations().
 */
export function createPostgresRecordsRepository(
  pool: PgPool,
  options: PostgresRecordsOptions = {},
): RecordsRepository {
  const chunkSize = options.chunkSize ?? 1_000;
  const streamPageSize = options.streamPageSize ?? 500;

  async function query<R extends object>(
    name: string,
    text: string,
    values: unknown[],
    action: string,
  ): Promise<R[]> {
    try {
      const result = await pool.query<R>({ name, text, values });
      return result.rows;
    } catch (error) {
      throw wrap(error, action);
    }
  }

  async function writeRecords(batchId: string, records: readonly ContactRecord[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(records.map(normalizeRecord));
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      const columns: unknown[][] = Array.from({ length: 15 }, () => new Array<unknown>(chunk.length));
      chunk.forEach((r, i) => {
        const values = [
          r.rowNumber,
          r.fullName,
          r.firstName,
          r.lastName,
          r.email,
          r.phone,
          r.company,
          r.title,
          r.street,
          r.city,
          r.region,
          r.postalCode,
          r.country,
          JSON.stringify(r.original),
          JSON.stringify(r.issues),
        ];
        values.forEach((v, c) => (columns[c]![i] = v));
      });
      await query('records_upsert', UPSERT_RECORDS, [id, ...columns], 'writing records');
    }
  }

  async function writeInvalidRows(batchId: string, invalid: readonly InvalidRow[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(invalid.map(normalizeInvalidRow));
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      await query(
        'records_invalid_upsert',
        UPSERT_INVALID,
        [
          id,
          chunk.map((r) => r.rowNumber),
          chunk.map((r) => r.reason),
          chunk.map((r) => JSON.stringify(r.original)),
        ],
        'writing invalid rows',
      );
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
    const rows = await query<RecordRow>(
      'records_list',
      SELECT_RECORDS,
      [id, after, pageSize + 1],
      'listing records',
    );
    return toPage(rows.map(toRecord), pageSize);
  }

  async function* streamInvalidRows(batchId: string): AsyncIterable<InvalidRow> {
    const id = assertBatchId(batchId);
    let after = -1;
    for (;;) {
      const rows = await query<InvalidDbRow>(
        'records_invalid_list',
        SELECT_INVALID,
        [id, after, streamPageSize],
        'reading invalid rows',
      );
      for (const row of rows) {
        yield toInvalidRow(row);
      }
      const last = rows.at(-1);
      if (rows.length < streamPageSize || !last) {
        return;
      }
      after = last.row_number;
    }
  }

  async function countRecords(batchId: string): Promise<{ records: number; invalidRows: number }> {
    const id = assertBatchId(batchId);
    const [row] = await query<{ records: number; invalid_rows: number }>(
      'records_count',
      `SELECT (SELECT count(*) FROM batch_records WHERE batch_id = $1)::int AS records,
              (SELECT count(*) FROM batch_invalid_rows WHERE batch_id = $1)::int AS invalid_rows`,
      [id],
      'counting records',
    );
    return { records: row?.records ?? 0, invalidRows: row?.invalid_rows ?? 0 };
  }

  async function deleteBatch(batchId: string): Promise<void> {
    const id = assertBatchId(batchId);
    // One statement, one transaction: both tables or neither.
    await query(
      'records_delete',
      `WITH r AS (DELETE FROM batch_records WHERE batch_id = $1)
       DELETE FROM batch_invalid_rows WHERE batch_id = $1`,
      [id],
      'deleting records',
    );
  }

  return {
    kind: 'postgres',
    init: () => Promise.resolve(),
    writeRecords,
    writeInvalidRows,
    listRecords,
    streamInvalidRows,
    countRecords,
    deleteBatch,
    async ping() {
      await query('records_ping', 'SELECT 1', [], 'checking readiness');
    },
    // The pool belongs to the composition root (the batches repository shares it).
    close: () => Promise.resolve(),
  };
}
