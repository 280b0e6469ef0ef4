import { wrapCassandraError } from '../../db/cassandraErrors.js';
import { RECORD_COLUMNS } from './cassandraRecordRow.js';

/** Which data table a bucket index entry belongs to. */
export type Kind = 'record' | 'invalid';

// Writes and reads are idempotent (client-side timestamps: a rewrite of the same key replaces
// the row), so the driver may retry them on timeouts.
export const WRITE_OPTIONS = { prepare: true, isIdempotent: true } as const;
export const READ_OPTIONS = { prepare: true, isIdempotent: true } as const;

/** The CQL of the records store, for the tables of `keyspace`. */
export function statements(keyspace: string) {
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

export type CassandraStatements = ReturnType<typeof statements>;

/** Runs `fn`, turning a driver error into the store's error for `action`. */
export async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrapCassandraError(error, action);
  }
}
