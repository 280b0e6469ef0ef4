import {
  FIELD_LIST,
  KIND_COLUMN_TYPES,
  type ContactRecord,
  type FieldKind,
} from '../../contacts/contactSchema.js';
import type { InvalidRow } from '../../parsing/types.js';

/**
 * PostgreSQL statements and row mapping of the records tables (migration 002), derived from the
 * contact schema: a field added there is written, read and upserted here without edits.
 */

/** The batch_records columns of a contact, in schema order. */
export const RECORD_COLUMNS: readonly string[] = FIELD_LIST.map((f) => f.spec.postgres);

/** Array element type of each kind for the unnest() parameters. */
const ARRAY_TYPES: Record<FieldKind, string> = {
  rowNumber: 'int[]',
  text: 'text[]',
  columns: 'jsonb[]',
  issues: 'jsonb[]',
};

/** Column types expected in the live table (information_schema data_type spelling). */
export const EXPECTED_RECORD_COLUMN_TYPES: ReadonlyMap<string, string> = new Map(
  FIELD_LIST.map((f) => [f.spec.postgres, KIND_COLUMN_TYPES[f.spec.kind].postgres]),
);

const columnList = RECORD_COLUMNS.join(', ');
const unnestParams = FIELD_LIST.map((f, i) => `$${i + 2}::${ARRAY_TYPES[f.spec.kind]}`).join(', ');
const updates = RECORD_COLUMNS.filter((c) => c !== 'row_number')
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

// One statement per chunk: the columns travel as one array parameter each whatever the chunk
// size, the plan is cached by name, and ON CONFLICT makes a rewritten row replace the old one.
export const UPSERT_RECORDS = `
  INSERT INTO batch_records (batch_id, ${columnList})
  SELECT $1::uuid, u.* FROM unnest(${unnestParams}) AS u(${columnList})
  ON CONFLICT (batch_id, row_number) DO UPDATE SET ${updates}`;

export const UPSERT_INVALID = `
  INSERT INTO batch_invalid_rows (batch_id, row_number, reason, original)
  SELECT $1::uuid, u.* FROM unnest($2::int[], $3::text[], $4::json[]) AS u(row_number, reason, original)
  ON CONFLICT (batch_id, row_number) DO UPDATE SET reason = EXCLUDED.reason, original = EXCLUDED.original`;

export const SELECT_RECORDS = `
  SELECT ${columnList} FROM batch_records
   WHERE batch_id = $1 AND row_number > $2
   ORDER BY row_number
   LIMIT $3`;

export const SELECT_INVALID = `
  SELECT row_number, reason, original FROM batch_invalid_rows
   WHERE batch_id = $1 AND row_number > $2
   ORDER BY row_number
   LIMIT $3`;

export const SELECT_INVALID_BY_ROW = `
  SELECT row_number, reason, original FROM batch_invalid_rows
   WHERE batch_id = $1 AND row_number = ANY($2::int[])`;

/**
 * A fix in one statement (one transaction): the invalid rows of the fixed row numbers go, the
 * records come. The row numbers are the last parameter, after UPSERT_RECORDS' own.
 */
export const REPLACE_INVALID = `
  WITH gone AS (
    DELETE FROM batch_invalid_rows WHERE batch_id = $1::uuid AND row_number = ANY($${FIELD_LIST.length + 2}::int[])
  )
  ${UPSERT_RECORDS.trim()}`;

/** A batch_records row as pg returns it (jsonb already parsed). */
export type RecordRow = Record<string, unknown>;

export interface InvalidDbRow {
  row_number: number;
  reason: string;
  original: Record<string, string> | null;
}

/** jsonb columns travel as JSON text; everything else as it is. */
function toParam(kind: FieldKind, value: unknown): unknown {
  return kind === 'columns' || kind === 'issues' ? JSON.stringify(value) : value;
}

/** The UPSERT_RECORDS parameters after $1: one array per column, rows in the given order. */
export function recordColumnArrays(records: readonly ContactRecord[]): unknown[][] {
  return FIELD_LIST.map(({ name, spec }) => records.map((r) => toParam(spec.kind, r[name])));
}

export function toRecord(row: RecordRow): ContactRecord {
  const record: Record<string, unknown> = {};
  for (const { name, spec } of FIELD_LIST) {
    const value = row[spec.postgres];
    record[name] =
      spec.kind === 'columns' ? (value ?? {}) : spec.kind === 'issues' ? (value ?? []) : (value ?? null);
  }
  return record as ContactRecord;
}

export function toInvalidRow(row: InvalidDbRow): InvalidRow {
  return { rowNumber: row.row_number, reason: row.reason, original: row.original ?? {} };
}
