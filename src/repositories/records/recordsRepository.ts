import type { ContactRecord, InvalidRow } from '../../parsing/types.js';

/** A contact record as read back from a records store. */
export type StoredRecord = ContactRecord;

export interface RecordsPage {
  records: StoredRecord[];
  /** Opaque cursor for the next page, or null when there is none. */
  nextCursor: string | null;
}

/**
 * The records store: where parsed contacts of a batch live. Two implementations
 * (PostgreSQL, the embedded default; Cassandra for volume) with identical behaviour,
 * selected by config in the composition root.
 */
export interface RecordsRepository {
  readonly kind: 'postgres' | 'cassandra';
  /**
   * Creates what the store needs (Cassandra keyspace/tables) and checks that its tables have every
   * column of the contact schema; idempotent.
   */
  init(): Promise<void>;
  /** Upserts by (batch, rowNumber): writing the same rows twice leaves exactly one copy. */
  writeRecords(batchId: string, records: readonly ContactRecord[]): Promise<void>;
  /** Upserts invalid rows by (batch, rowNumber), same semantics. */
  writeInvalidRows(batchId: string, rows: readonly InvalidRow[]): Promise<void>;
  /** Records in row order. `cursor` comes from a previous page; invalid cursors throw ValidationError. */
  listRecords(batchId: string, options: { limit: number; cursor?: string | undefined }): Promise<RecordsPage>;
  /** Invalid rows in row order, streamed in bounded pages. */
  streamInvalidRows(batchId: string): AsyncIterable<InvalidRow>;
  /** Removes every record and invalid row of the batch; a no-op when there are none. */
  deleteBatch(batchId: string): Promise<void>;
  /** Throws when the store cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
