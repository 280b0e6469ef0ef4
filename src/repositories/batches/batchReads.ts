import type {
  Batch,
  BatchListItem,
  BatchStats,
  BatchStatus,
  BatchStatusView,
  BatchSummaryView,
} from '../../domain/batch.js';
import { IdempotencyKeyTakenError } from '../../errors.js';
import {
  BATCH_COLUMNS,
  GENERATED_COLUMNS,
  insertedBatch,
  type GeneratedColumns,
  LIST_COLUMNS,
  prepared,
  STATUS_COLUMNS,
  SUMMARY_COLUMNS,
  toBatchListItem,
  toBatchStatus,
  toBatchSummary,
  type BatchDb,
  type BatchRow,
  type NewBatch,
} from './batchRow.js';

/** Creating a batch and everything the API reads of batches; every user-facing query is scoped by user id. */
export function batchReads(db: BatchDb) {
  return {
    async insert(batch: NewBatch): Promise<Batch> {
      try {
        // Only what the database decides comes back (defaults, version, timestamps); the rest of
        // the Batch is what was just sent, not read back column by column.
        const { rows } = await db.query<GeneratedColumns>(
          `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, mime_type,
                                storage_key, sha256, idempotency_key, column_mapping, phone_region,
                                storage_backend, storage_store, encoding_override, mapping_source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           RETURNING ${GENERATED_COLUMNS}`,
          [
            batch.id,
            batch.userId,
            batch.userEmail,
            batch.fileName,
            batch.fileSize,
            batch.fileFormat,
            batch.mimeType,
            batch.storageKey,
            batch.sha256,
            batch.idempotencyKey,
            batch.mapping ? JSON.stringify(batch.mapping) : null,
            batch.phoneRegion ?? null,
            batch.store.backend,
            batch.store.store,
            batch.encodingOverride ?? null,
            batch.mappingSource ?? null,
          ],
        );
        const row = rows[0];
        if (!row) {
          throw new Error('insert returned no row');
        }
        return insertedBatch(batch, row);
      } catch (error) {
        if ((error as { code?: string }).code === '23505' && batch.idempotencyKey !== null) {
          throw new IdempotencyKeyTakenError('idempotency key already used', { cause: error });
        }
        throw error;
      }
    },

    findById(id: string): Promise<Batch | null> {
      return db.one(prepared('batch_by_id', `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1`, [id]));
    },

    findForUser(id: string, userId: string): Promise<Batch | null> {
      return db.one(
        prepared('batch_for_user', `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1 AND user_id = $2`, [
          id,
          userId,
        ]),
      );
    },

    /** The status answer alone: 8 columns instead of the whole row. */
    async statusForUser(id: string, userId: string): Promise<BatchStatusView | null> {
      const { rows } = await db.query<BatchRow>(
        prepared(
          'batch_status_for_user',
          `SELECT ${STATUS_COLUMNS} FROM batches WHERE id = $1 AND user_id = $2`,
          [id, userId],
        ),
      );
      return rows[0] ? toBatchStatus(rows[0]) : null;
    },

    findByIdempotencyKey(userId: string, key: string): Promise<Batch | null> {
      return db.one('SELECT * FROM batches WHERE user_id = $1 AND idempotency_key = $2', [userId, key]);
    },

    async list(
      userId: string,
      options: { status?: BatchStatus | undefined; page: number; limit: number },
    ): Promise<{ batches: BatchListItem[]; total: number }> {
      const params: unknown[] = [userId];
      let where = 'user_id = $1';
      if (options.status) {
        params.push(options.status);
        where += ` AND status = $${params.length}`;
      }
      // Page and total in one round trip, in one snapshot. The total is the sum of the kept
      // counts (batch_counts, migration 015: one row per status) rather than a count of the
      // user's batches; the LEFT JOIN keeps the total when the page is past the end (one row of
      // NULL batch columns).
      const { rows } = await db.query<BatchRow & { total: string; id: string | null }>(
        prepared(
          options.status ? 'batch_list_by_status' : 'batch_list',
          `SELECT t.total, b.* FROM (SELECT COALESCE(sum(n), 0) AS total FROM batch_counts WHERE ${where}) t
           LEFT JOIN LATERAL (
             SELECT ${LIST_COLUMNS} FROM batches WHERE ${where}
             ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}
           ) b ON true`,
          [...params, options.limit, (options.page - 1) * options.limit],
        ),
      );
      return {
        batches: rows.filter((row) => row.id !== null).map(toBatchListItem),
        total: Number(rows[0]?.total ?? 0),
      };
    },

    async recent(userId: string, limit: number): Promise<BatchSummaryView[]> {
      const { rows } = await db.query<BatchRow>(
        prepared(
          'batch_recent',
          `SELECT ${SUMMARY_COLUMNS} FROM batches WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
          [userId, limit],
        ),
      );
      return rows.map(toBatchSummary);
    },

    /** From the kept counts (batch_counts, migration 015), not a count of the user's batches. */
    async stats(userId: string): Promise<BatchStats> {
      const { rows } = await db.query<{ status: BatchStatus; n: string }>(
        prepared('batch_stats', 'SELECT status, n FROM batch_counts WHERE user_id = $1', [userId]),
      );
      const stats: BatchStats = { total: 0, uploaded: 0, parsing: 0, parsed: 0, loaded: 0, error: 0 };
      for (const { status, n } of rows) {
        stats[status] = Number(n);
        stats.total += Number(n);
      }
      return stats;
    },
  };
}
