import type { Batch, BatchCounts, BatchStats, BatchStatus } from '../domain/batch.js';
import { guardedQuery, type PgPool } from '../db/postgres.js';
import { IdempotencyKeyTakenError } from '../errors.js';
import type { ColumnMapping, FileFormat } from '../parsing/types.js';
import type { StoreIdentity } from '../storage/fileStorage.js';
import { outboxInsert } from './webhookOutboxSql.js';

export type NewBatch = Pick<
  Batch,
  | 'id'
  | 'userId'
  | 'userEmail'
  | 'fileName'
  | 'fileSize'
  | 'fileFormat'
  | 'mimeType'
  | 'storageKey'
  | 'sha256'
> & {
  idempotencyKey: string | null;
  mapping?: ColumnMapping | null;
  phoneRegion?: string | null;
  store: StoreIdentity;
};

interface BatchRow {
  id: string;
  user_id: string;
  user_email: string;
  file_name: string;
  file_size: string;
  file_format: FileFormat;
  mime_type: string | null;
  storage_key: string;
  storage_backend: StoreIdentity['backend'] | null;
  storage_store: string | null;
  sha256: string;
  idempotency_key: string | null;
  column_mapping: ColumnMapping | null;
  phone_region: string | null;
  status: BatchStatus;
  progress: number;
  error_message: string | null;
  rows_read: number;
  records_loaded: number;
  invalid_rows: number;
  attempt: number;
  created_at: Date;
  updated_at: Date;
}

function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    userId: row.user_id,
    userEmail: row.user_email,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    fileFormat: row.file_format,
    mimeType: row.mime_type,
    storageKey: row.storage_key,
    store:
      row.storage_backend === null || row.storage_store === null
        ? null
        : { backend: row.storage_backend, store: row.storage_store },
    sha256: row.sha256,
    idempotencyKey: row.idempotency_key,
    mapping: row.column_mapping,
    phoneRegion: row.phone_region,
    status: row.status,
    progress: row.progress,
    errorMessage: row.error_message,
    rowsRead: row.rows_read,
    recordsLoaded: row.records_loaded,
    invalidRows: row.invalid_rows,
    attempt: row.attempt,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type BatchRepository = ReturnType<typeof createBatchRepository>;

/** PostgreSQL access for the `batches` table. Every user-facing query is scoped by user id. */
export function createBatchRepository(pool: PgPool) {
  const db = { query: guardedQuery(pool, 'database') };
  async function one(sql: string, params: unknown[]): Promise<Batch | null> {
    const { rows } = await db.query<BatchRow>(sql, params);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  return {
    async insert(batch: NewBatch): Promise<Batch> {
      try {
        const row = await one(
          `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, mime_type,
                                storage_key, sha256, idempotency_key, column_mapping, phone_region,
                                storage_backend, storage_store)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
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
      return one('SELECT * FROM batches WHERE id = $1', [id]);
    },

    findForUser(id: string, userId: string): Promise<Batch | null> {
      return one('SELECT * FROM batches WHERE id = $1 AND user_id = $2', [id, userId]);
    },

    findByIdempotencyKey(userId: string, key: string): Promise<Batch | null> {
      return one('SELECT * FROM batches WHERE user_id = $1 AND idempotency_key = $2', [userId, key]);
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

    /** error -> uploaded with a fresh attempt; null when the batch is not in `error`. */
    resetForRetry(id: string, userId: string): Promise<Batch | null> {
      return one(
        `UPDATE batches SET status = 'uploaded', progress = 0, error_message = NULL, rows_read = 0,
                records_loaded = 0, invalid_rows = 0, attempt = attempt + 1, updated_at = now()
         WHERE id = $1 AND user_id = $2 AND status = 'error' RETURNING *`,
        [id, userId],
      );
    },

    // ---- worker side: every write is fenced by attempt so a stale job cannot overwrite a retry.

    markParsing(id: string, attempt: number): Promise<Batch | null> {
      return one(
        // A resumed attempt (crash, BullMQ retry) keeps its progress: it only ever rises.
        `UPDATE batches SET status = CASE WHEN status = 'parsed' THEN 'parsed' ELSE 'parsing' END,
                error_message = NULL, updated_at = now(),
                progress = CASE WHEN status = 'uploaded' THEN 0 ELSE progress END
         WHERE id = $1 AND attempt = $2 AND status IN ('uploaded', 'parsing', 'parsed') RETURNING *`,
        [id, attempt],
      );
    },

    /** Progress only rises within an attempt; returns false when the batch is gone or superseded. */
    async updateProgress(
      id: string,
      attempt: number,
      progress: number,
      counts?: BatchCounts,
    ): Promise<boolean> {
      const result = await db.query(
        `UPDATE batches SET progress = GREATEST(progress, $3), updated_at = now(),
                rows_read = GREATEST(rows_read, COALESCE($4, 0)),
                invalid_rows = GREATEST(invalid_rows, COALESCE($5, 0)),
                records_loaded = GREATEST(records_loaded, COALESCE($6, 0))
         WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed')`,
        [
          id,
          attempt,
          Math.min(99, Math.max(0, Math.floor(progress))),
          counts?.rowsRead,
          counts?.invalidRows,
          counts?.recordsLoaded,
        ],
      );
      return result.rowCount === 1;
    },

    async markParsed(id: string, attempt: number, counts: BatchCounts, progress: number): Promise<boolean> {
      const result = await db.query(
        `UPDATE batches SET status = 'parsed', progress = GREATEST(progress, $6), rows_read = $3,
                invalid_rows = $4, records_loaded = GREATEST(records_loaded, $5), updated_at = now()
         WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed')`,
        [id, attempt, counts.rowsRead, counts.invalidRows, counts.recordsLoaded, Math.min(99, progress)],
      );
      return result.rowCount === 1;
    },

    async markLoaded(id: string, attempt: number, counts: BatchCounts): Promise<boolean> {
      // The batch.loaded deliveries are written by the same statement (transactional outbox).
      const result = await db.query(
        `WITH changed AS (
           UPDATE batches SET status = 'loaded', progress = 100, rows_read = $3, invalid_rows = $4,
                  records_loaded = $5, error_message = NULL, updated_at = now()
           WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed') RETURNING *
         ), outbox AS (${outboxInsert('batch.loaded', 'changed')})
         SELECT id FROM changed`,
        [id, attempt, counts.rowsRead, counts.invalidRows, counts.recordsLoaded],
      );
      return result.rowCount === 1;
    },

    async markError(id: string, attempt: number, message: string, counts?: BatchCounts): Promise<boolean> {
      // The batch.failed deliveries are written by the same statement (transactional outbox).
      const result = await db.query(
        `WITH changed AS (
           UPDATE batches SET status = 'error', error_message = $3, updated_at = now(),
                  rows_read = COALESCE($4, rows_read), invalid_rows = COALESCE($5, invalid_rows),
                  records_loaded = COALESCE($6, records_loaded)
           WHERE id = $1 AND attempt = $2 AND status IN ('uploaded', 'parsing', 'parsed') RETURNING *
         ), outbox AS (${outboxInsert('batch.failed', 'changed')})
         SELECT id FROM changed`,
        [id, attempt, message.slice(0, 2000), counts?.rowsRead, counts?.invalidRows, counts?.recordsLoaded],
      );
      return result.rowCount === 1;
    },

    // ---- sweeper

    /** Batches sitting in one of `statuses` since before `olderThan`, oldest first. */
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
