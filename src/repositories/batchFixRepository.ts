import { guardedQuery, type PgPool } from '../db/postgres.js';
import type { InvalidRow } from '../parsing/types.js';
import { outboxInsert } from './webhookOutboxSql.js';

/**
 * PostgreSQL access for `batch_row_fixes` (migration 011): which invalid rows of a batch were
 * fixed, with the invalid row as the worker read it. A fix is written in three idempotent steps
 * (batchFixService): `remember` here, the records store's move, then `countFixes`, so a fix cut
 * short anywhere is completed by sending it again and its counts never move twice.
 */
export function createBatchFixRepository(pool: PgPool) {
  const query = guardedQuery(pool, 'database');

  return {
    /** The invalid rows behind earlier fixes among `rowNumbers` (a second fix starts from them). */
    async find(batchId: string, rowNumbers: readonly number[]): Promise<InvalidRow[]> {
      if (rowNumbers.length === 0) {
        return [];
      }
      const { rows } = await query<{ row_number: number; reason: string; original: Record<string, string> }>(
        `SELECT row_number, reason, original FROM batch_row_fixes
          WHERE batch_id = $1 AND row_number = ANY($2::int[])`,
        [batchId, [...rowNumbers]],
      );
      return rows.map((r) => ({ rowNumber: r.row_number, reason: r.reason, original: r.original }));
    },

    /** Records that these invalid rows are being fixed; a row fixed before keeps its first entry. */
    async remember(batchId: string, rows: readonly InvalidRow[]): Promise<void> {
      if (rows.length === 0) {
        return;
      }
      await query(
        `INSERT INTO batch_row_fixes (batch_id, row_number, reason, original)
         SELECT $1::uuid, u.* FROM unnest($2::int[], $3::text[], $4::json[]) AS u(row_number, reason, original)
         ON CONFLICT (batch_id, row_number) DO NOTHING`,
        [
          batchId,
          rows.map((r) => r.rowNumber),
          rows.map((r) => r.reason),
          rows.map((r) => JSON.stringify(r.original)),
        ],
      );
    },

    /**
     * Moves the batch's counts for every fix not counted yet, in ONE statement: the fixes are
     * marked counted and the batch row updated together (the version trigger bumps it once).
     * False when the batch is not `loaded` (nothing is marked then).
     */
    async countFixes(batchId: string): Promise<boolean> {
      // The batch.updated deliveries are written by the same statement (transactional outbox),
      // so a stored fix and its webhook event are kept or lost together.
      const { rowCount } = await query(
        `WITH b AS (SELECT id FROM batches WHERE id = $1 AND status = 'loaded' FOR UPDATE),
              c AS (UPDATE batch_row_fixes f SET counted = true FROM b
                     WHERE f.batch_id = b.id AND NOT f.counted RETURNING 1),
              changed AS (
                UPDATE batches SET invalid_rows = invalid_rows - (SELECT count(*) FROM c),
                       records_loaded = records_loaded + (SELECT count(*) FROM c), updated_at = now()
                 WHERE id IN (SELECT id FROM b) RETURNING *
              ), outbox AS (${outboxInsert('batch.updated', 'changed')})
         SELECT id FROM changed`,
        [batchId],
      );
      return rowCount === 1;
    },

    /** Forgets every fix of the batch (a re-read starts from the file); returns how many there were. */
    async drop(batchId: string): Promise<number> {
      const { rowCount } = await query('DELETE FROM batch_row_fixes WHERE batch_id = $1', [batchId]);
      return rowCount ?? 0;
    },
  };
}

export type BatchFixRepository = ReturnType<typeof createBatchFixRepository>;
