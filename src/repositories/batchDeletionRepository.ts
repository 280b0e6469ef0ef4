import { guardedQuery, withClient, type PgPool } from '../db/postgres.js';
import { postgresUnavailable } from '../db/postgresErrors.js';
import type { StoreIdentity } from '../storage/fileStorage.js';
import { releaseReadingsOf } from './readings/releasedReadingRepository.js';
import { outboxInsert } from './webhookOutboxSql.js';

export interface PendingDeletion {
  batchId: string;
  storageKey: string;
  /** Null for deletions of batches uploaded before stores were recorded. */
  store: StoreIdentity | null;
  attempts: number;
}

interface DeletionRow {
  batch_id: string;
  storage_key: string;
  storage_backend: StoreIdentity['backend'] | null;
  storage_store: string | null;
  attempts: number;
}

function toPending(row: DeletionRow): PendingDeletion {
  return {
    batchId: row.batch_id,
    storageKey: row.storage_key,
    store:
      row.storage_backend === null || row.storage_store === null
        ? null
        : { backend: row.storage_backend, store: row.storage_store },
    attempts: row.attempts,
  };
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
    async deleteWithCleanup(id: string, userId: string): Promise<PendingDeletion | null> {
      try {
        return await withClient(pool, async (client) => {
          try {
            await client.query('BEGIN');
            // The batch.deleted deliveries are written by the same statement (transactional outbox).
            const { rows } = await client.query<DeletionRow>(
              `WITH gone AS (DELETE FROM batches WHERE id = $1 AND user_id = $2 RETURNING *),
               outbox AS (${outboxInsert('batch.deleted', 'gone')}),
               readings AS (${releaseReadingsOf('gone')})
               SELECT id AS batch_id, storage_key, storage_backend, storage_store, 0 AS attempts FROM gone`,
              [id, userId],
            );
            const row = rows[0];
            if (!row) {
              await client.query('ROLLBACK');
              return null;
            }
            await client.query(
              `INSERT INTO batch_deletions (batch_id, storage_key, storage_backend, storage_store)
               VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id) DO NOTHING`,
              [row.batch_id, row.storage_key, row.storage_backend, row.storage_store],
            );
            await client.query('COMMIT');
            return toPending(row);
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'deleting a batch') ?? error;
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

    /**
     * Cleanups still owed of files under `keyPrefix` in `store` (or of unrecorded store): a
     * sweeper only lists what it can finish, so other stores' deletions never crowd out its own.
     */
    async pending(limit: number, keyPrefix: string, store: StoreIdentity): Promise<PendingDeletion[]> {
      const { rows } = await db.query<DeletionRow>(
        `SELECT batch_id, storage_key, storage_backend, storage_store, attempts FROM batch_deletions
         WHERE starts_with(storage_key, $2)
           AND (storage_backend IS NULL OR (storage_backend = $3 AND storage_store = $4))
         ORDER BY requested_at LIMIT $1`,
        [limit, keyPrefix, store.backend, store.store],
      );
      return rows.map(toPending);
    },
  };
}
