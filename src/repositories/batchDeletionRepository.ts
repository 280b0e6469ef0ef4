import { guardedQuery, type PgPool } from '../db/postgres.js';
import { postgresUnavailable } from '../db/postgresErrors.js';
import type { Batch } from '../domain/batch.js';

export interface PendingDeletion {
  batchId: string;
  storageKey: string;
  attempts: number;
}

export type BatchDeletionRepository = ReturnType<typeof createBatchDeletionRepository>;

/**
 * Deleting a batch = removing its row and, in the same transaction, recording the cleanup still
 * owed (file, records, job). The cleanup runs right away; what fails is retried by the sweeper.
 */
export function createBatchDeletionRepository(pool: PgPool) {
  const db = { query: guardedQuery(pool, 'database') };
  return {
    /** Deletes the user's batch row and records the owed cleanup; null when there is no such batch. */
    async deleteWithCleanup(id: string, userId: string): Promise<Pick<Batch, 'id' | 'storageKey'> | null> {
      const client = await pool.connect().catch((error: unknown) => {
        throw postgresUnavailable(error, 'database', 'deleting a batch') ?? error;
      });
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string; storage_key: string }>(
          'DELETE FROM batches WHERE id = $1 AND user_id = $2 RETURNING id, storage_key',
          [id, userId],
        );
        const row = rows[0];
        if (!row) {
          await client.query('ROLLBACK');
          return null;
        }
        await client.query(
          `INSERT INTO batch_deletions (batch_id, storage_key) VALUES ($1, $2)
           ON CONFLICT (batch_id) DO NOTHING`,
          [row.id, row.storage_key],
        );
        await client.query('COMMIT');
        return { id: row.id, storageKey: row.storage_key };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw postgresUnavailable(error, 'database', 'deleting a batch') ?? error;
      } finally {
        client.release();
      }
    },

    async complete(batchId: string): Promise<void> {
      await db.query('DELETE FROM batch_deletions WHERE batch_id = $1', [batchId]);
    },

    async recordFailure(batchId: string, message: string): Promise<void> {
      await db.query(
        'UPDATE batch_deletions SET attempts = attempts + 1, last_error = $2 WHERE batch_id = $1',
        [batchId, message.slice(0, 1000)],
      );
    },

    /** Cleanups still owed, only those of files stored under `keyPrefix`. */
    async pending(limit: number, keyPrefix = ''): Promise<PendingDeletion[]> {
      const { rows } = await db.query<{ batch_id: string; storage_key: string; attempts: number }>(
        `SELECT batch_id, storage_key, attempts FROM batch_deletions WHERE starts_with(storage_key, $2)
         ORDER BY requested_at LIMIT $1`,
        [limit, keyPrefix],
      );
      return rows.map((r) => ({ batchId: r.batch_id, storageKey: r.storage_key, attempts: r.attempts }));
    },
  };
}
