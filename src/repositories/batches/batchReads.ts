import type { Batch, BatchStats, BatchStatus } from '../../domain/batch.js';
import { IdempotencyKeyTakenError } from '../../errors.js';
import { toBatch, type BatchDb, type BatchRow, type NewBatch } from './batchRow.js';

/** Creating a batch and everything the API reads of batches; every user-facing query is scoped by user id. */
export function batchReads(db: BatchDb) {
  return {
    async insert(batch: NewBatch): Promise<Batch> {
      try {
        const row = await db.one(
          `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, mime_type,
                                storage_key, sha256, idempotency_key, column_mapping, phone_region,
                                storage_backend, storage_store, encoding_override, mapping_source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING *`,
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
        if (!row) {
          throw new Error('insert returned no row');
        }
        return row;
      } catch (error) {
        if ((error as { code?: string }).code === '23505' && batch.idempotencyKey !== null) {
          throw new IdempotencyKeyTakenError('idempotency key already used', { cause: error });
        }
        throw error;
      }
    },

    findById(id: string): Promise<Batch | null> {
      return db.one('SELECT * FROM batches WHERE id = $1', [id]);
    },

    findForUser(id: string, userId: string): Promise<Batch | null> {
      return db.one('SELECT * FROM batches WHERE id = $1 AND user_id = $2', [id, userId]);
    },

    findByIdempotencyKey(userId: string, key: string): Promise<Batch | null> {
      return db.one('SELECT * FROM batches WHERE user_id = $1 AND idempotency_key = $2', [userId, key]);
    },

    async list(
      userId: string,
      options: { status?: BatchStatus | undefined; page: number; limit: number },
    ): Promise<{ batches: Batch[]; total: number }> {
      const params: unknown[] = [userId];
      let where = 'user_id = $1';
      if (options.status) {
        params.push(options.status);
        where += ` AND status = $${params.length}`;
      }
      // Page and total in one round trip. The count is its own index-only scan (a
      // `count(*) OVER ()` window would materialise every matching row to return one page); the
      // LEFT JOIN keeps the total when the page is past the end (one row of NULL batch columns).
      const { rows } = await db.query<BatchRow & { total: string; id: string | null }>(
        `SELECT t.total, b.* FROM (SELECT count(*) AS total FROM batches WHERE ${where}) t
         LEFT JOIN LATERAL (
           SELECT * FROM batches WHERE ${where}
           ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}
         ) b ON true`,
        [...params, options.limit, (options.page - 1) * options.limit],
      );
      return {
        batches: rows.filter((row) => row.id !== null).map(toBatch),
        total: Number(rows[0]?.total ?? 0),
      };
    },

    async recent(userId: string, limit: number): Promise<Batch[]> {
      const { rows } = await db.query<BatchRow>(
        'SELECT * FROM batches WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
        [userId, limit],
      );
      return rows.map(toBatch);
    },

    async stats(userId: string): Promise<BatchStats> {
      const { rows } = await db.query<Record<keyof BatchStats, string>>(
        `SELECT count(*) AS total,
                count(*) FILTER (WHERE status = 'uploaded') AS uploaded,
                count(*) FILTER (WHERE status = 'parsing')  AS parsing,
                count(*) FILTER (WHERE status = 'parsed')   AS parsed,
                count(*) FILTER (WHERE status = 'loaded')   AS loaded,
                count(*) FILTER (WHERE status = 'error')    AS error
         FROM batches WHERE user_id = $1`,
        [userId],
      );
      const r = rows[0]!;
      return {
        total: Number(r.total),
        uploaded: Number(r.uploaded),
        parsing: Number(r.parsing),
        parsed: Number(r.parsed),
        loaded: Number(r.loaded),
        error: Number(r.error),
      };
    },
  };
}
