import type { ContactRecord, InvalidRow } from '../../parsing/types.js';

/** A contact record as read back from a records store. */
export type StoredRecord = ContactRecord;

export interface RecordsPage {
  records: StoredRecord[];
  /** Opaque cursor for the next page, or null when there is none. */
  nextCursor: string | null;
}

/** A page of invalid rows (same cursor format as RecordsPage). */
export interface InvalidRowsPage {
  rows: InvalidRow[];
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
  /** Invalid rows in row order, one page (issue #21: the rows a person can fix). */
  listInvalidRows(
    batchId: string,
    options: { limit: number; cursor?: string | undefined },
  ): Promise<InvalidRowsPage>;
  /** The invalid rows among `rowNumbers` (any order; numbers that are not invalid rows are left out). */
  findInvalidRows(batchId: string, rowNumbers: readonly number[]): Promise<InvalidRow[]>;
  /**
   * A fix: upserts `records` and removes the invalid rows of the same row numbers. PostgreSQL does
   * both in one statement; Cassandra writes the records first, so an interruption leaves a row
   * both fixed and still listed as invalid (completed when the fix is sent again), never lost.
   */
  replaceInvalidRows(batchId: string, records: readonly ContactRecord[]): Promise<void>;
  /** Removes every record and invalid row of the batch; a no-op when there are none. */
  deleteBatch(batchId: string): Promise<void>;
  /** Throws when the store cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
