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

    /**
     * Records that these invalid rows are being fixed (a row fixed before keeps its first entry)
     * and the contact keys each fix is about to write to the index, added to those an earlier fix
     * of the row may have left. Answers, per row, every key the index may hold for it now.
     */
    async remember(
      batchId: string,
      rows: readonly { base: InvalidRow; keys: readonly string[] }[],
    ): Promise<Map<number, string[]>> {
      if (rows.length === 0) {
        return new Map();
      }
      const { rows: stored } = await query<{ row_number: number; index_keys: string[] }>(
        `INSERT INTO batch_row_fixes AS f (batch_id, row_number, reason, original, index_keys)
         SELECT $1::uuid, u.row_number, u.reason, u.original, string_to_array(u.keys, chr(31))
           FROM unnest($2::int[], $3::text[], $4::json[], $5::text[]) AS u(row_number, reason, original, keys)
         ON CONFLICT (batch_id, row_number) DO UPDATE
           SET index_keys = ARRAY(SELECT DISTINCT k FROM unnest(f.index_keys || EXCLUDED.index_keys) AS k ORDER BY k)
         RETURNING f.row_number, f.index_keys`,
        [
          batchId,
          rows.map((r) => r.base.rowNumber),
          rows.map((r) => r.base.reason),
          rows.map((r) => JSON.stringify(r.base.original)),
          // One text per row (a 2-D array needs rows of equal length); keys never hold U+001F.
          rows.map((r) => r.keys.join('\u001f')),
        ],
      );
      return new Map(stored.map((r) => [r.row_number, r.index_keys]));
    },

    /**
     * After the index holds exactly these fixes' keys: each row's keys, and whether its record was
     * seen in an earlier batch (counted by the next `countFixes`).
     */
    async settleIndex(
      batchId: string,
      rows: readonly { rowNumber: number; keys: readonly string[]; known: boolean }[],
    ): Promise<void> {
      if (rows.length === 0) {
        return;
      }
      await query(
        `UPDATE batch_row_fixes f SET index_keys = string_to_array(u.keys, chr(31)), known = u.known
           FROM unnest($2::int[], $3::text[], $4::boolean[]) AS u(row_number, keys, known)
          WHERE f.batch_id = $1 AND f.row_number = u.row_number`,
        [
          batchId,
          rows.map((r) => r.rowNumber),
          rows.map((r) => r.keys.join('\u001f')),
          rows.map((r) => r.known),
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
      // so a stored fix and its webhook event are kept or lost together. `pending` locks the
      // fixes it reads (FOR UPDATE re-reads a row a concurrent count changed), so two counts of
      // the same fix never both move the batch.
      const { rowCount } = await query(
        `WITH b AS (SELECT id FROM batches WHERE id = $1 AND status = 'loaded' FOR UPDATE),
              pending AS (
                SELECT f.row_number, f.counted, f.known, f.known_counted
                  FROM batch_row_fixes f JOIN b ON f.batch_id = b.id
                 WHERE NOT f.counted OR f.known <> f.known_counted
                   FOR UPDATE OF f
              ),
              c AS (UPDATE batch_row_fixes f SET counted = true, known_counted = f.known FROM pending p
                     WHERE f.batch_id = $1 AND f.row_number = p.row_number RETURNING 1),
              moved AS (
                SELECT count(*) FILTER (WHERE NOT counted) AS fixed,
                       count(*) FILTER (WHERE known AND NOT known_counted)
                         - count(*) FILTER (WHERE known_counted AND NOT known) AS known
                  FROM pending
              ),
              changed AS (
                UPDATE batches SET invalid_rows = invalid_rows - moved.fixed,
                       records_loaded = records_loaded + moved.fixed,
                       known_contacts = known_contacts + moved.known, updated_at = now()
                  FROM moved
                 WHERE id IN (SELECT id FROM b) RETURNING batches.*
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
