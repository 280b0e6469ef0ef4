import type { PgPool } from '../db/postgres.js';
import { batchMaintenance } from './batches/batchMaintenance.js';
import { batchReadings } from './batches/batchReadings.js';
import { batchReads } from './batches/batchReads.js';
import { batchDb } from './batches/batchRow.js';
import { batchStatusWrites } from './batches/batchStatusWrites.js';

export type { NewBatch } from './batches/batchRow.js';

export type BatchRepository = ReturnType<typeof createBatchRepository>;

/**
 * PostgreSQL access for the `batches` table, in three parts: creating and reading batches (the
 * API), status transitions (retry and the worker's steps), and the sweeper's queries.
 */
export function createBatchRepository(pool: PgPool) {
  const db = batchDb(pool);
  return { ...batchReads(db), ...batchStatusWrites(db), ...batchMaintenance(db), ...batchReadings(db) };
}
