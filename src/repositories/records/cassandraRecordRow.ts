import cassandra from 'cassandra-driver';
import { FIELD_LIST, type ContactRecord, type FieldEntry } from '../../contacts/contactSchema.js';
import type { InvalidRow } from '../../parsing/types.js';
import { parseOriginal } from './recordRow.js';

type Row = cassandra.types.Row;
const { unset } = cassandra.types;

/** batch_records columns written and read per contact: the contact fields, then `null_mask`. */
export const RECORD_COLUMNS: readonly string[] = [...FIELD_LIST.map((f) => f.spec.cassandra), 'null_mask'];

/** A field's value when present; "no value" (null text, empty issues) is handled by the mask. */
function isEmpty(entry: FieldEntry, value: unknown): boolean {
  return entry.spec.kind === 'issues' ? (value as string[]).length === 0 : value === null;
}

/**
 * Null fields and an empty `issues` list are never written as null: in Cassandra a null (or an
 * empty collection) is a tombstone cell, and reading a page of contacts with a handful of empty
 * columns each would scan thousands of tombstones (measured: warnings from 1000-row pages
 * already, and tombstone_failure_threshold aborts reads at 100k). Instead the column is left
 * unset and the field's `nullBit` is set in `null_mask`, which is always written. Reads trust
 * the mask, so a rewrite that turns a value into null still reads back as null (exact upsert
 * semantics, like PostgreSQL) while the partition holds no tombstones until deleteBatch drops it.
 *
 * The parameters follow `batch_id, bucket, ...RECORD_COLUMNS`. The batch id is a driver Uuid
 * built once per call: a string would be parsed again for every row (Uuid.fromString showed
 * up at ~1% of worker CPU in bench/ profiles).
 */
export function recordParams(batchId: cassandra.types.Uuid) {
  return (record: ContactRecord, bucket: number): unknown[] => {
    const params: unknown[] = [batchId, bucket];
    let mask = 0;
    for (const entry of FIELD_LIST) {
      const value: unknown = record[entry.name];
      if (entry.spec.nullBit !== undefined && isEmpty(entry, value)) {
        mask |= 1 << entry.spec.nullBit;
        params.push(unset);
      } else {
        params.push(entry.spec.kind === 'columns' ? JSON.stringify(value) : value);
      }
    }
    params.push(mask);
    return params;
  };
}

function readField(entry: FieldEntry, row: Row, mask: number): unknown {
  const value: unknown = row[entry.spec.cassandra];
  const absent = entry.spec.nullBit !== undefined && (mask & (1 << entry.spec.nullBit)) !== 0;
  switch (entry.spec.kind) {
    case 'columns':
      return parseOriginal(value as string | null);
    case 'issues':
      return absent ? [] : (value ?? []);
    case 'text':
      return absent ? null : (value ?? null);
    default:
      return value;
  }
}

/** Same key order as the PostgreSQL store (schema order), so JSON answers look alike too. */
export function toRecord(row: Row): ContactRecord {
  const mask = (row['null_mask'] as number | null) ?? 0;
  const record: Record<string, unknown> = {};
  for (const entry of FIELD_LIST) {
    record[entry.name] = readField(entry, row, mask);
  }
  return record as ContactRecord;
}

export function toInvalidRow(row: Row): InvalidRow {
  return {
    rowNumber: row['row_number'] as number,
    reason: (row['reason'] as string | null) ?? '',
    original: parseOriginal(row['original'] as string | null),
  };
}

/**
 * Estimated size of one row's mutation as Cassandra's batch size check counts it (cell values
 * plus per-cell timestamp/flags; unset cells cost nothing). Calibrated against the server's
 * "Batch ... is of size" warnings for contact-like rows (~660 B/row measured, ~5% over-estimated
 * here), so a 4 KiB estimate stays under the 5 KiB warn threshold.
 */
export function mutationBytes(params: readonly unknown[]): number {
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
