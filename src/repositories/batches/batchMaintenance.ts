import type { Batch, BatchStatus } from '../../domain/batch.js';
import { toBatch, type BatchDb, type BatchRow } from './batchRow.js';

/** What the sweeper asks of the batches table, and the readiness ping. */
export function batchMaintenance(db: BatchDb) {
  return {
    /** Batches in `statuses` untouched since `olderThan`, only those stored under `keyPrefix`. */
    async findStale(
      statuses: BatchStatus[],
      olderThan: Date,
      limit: number,
      keyPrefix = '',
    ): Promise<Batch[]> {
      const { rows } = await db.query<BatchRow>(
        `SELECT * FROM batches WHERE status = ANY($1) AND updated_at < $2 AND starts_with(storage_key, $4)
         ORDER BY updated_at LIMIT $3`,
        [statuses, olderThan, limit, keyPrefix],
      );
      return rows.map(toBatch);
    },

    /** Which of `keys` belong to a batch row (the rest are orphan files). */
    async existingStorageKeys(keys: string[]): Promise<Set<string>> {
      if (keys.length === 0) {
        return new Set();
      }
      const { rows } = await db.query<{ storage_key: string }>(
        'SELECT storage_key FROM batches WHERE storage_key = ANY($1)',
        [keys],
      );
      return new Set(rows.map((r) => r.storage_key));
    },

    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
  };
}
