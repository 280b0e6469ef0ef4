import type { Batch, BatchCounts } from '../../domain/batch.js';
import { outboxInsert } from '../webhookOutboxSql.js';
import type { BatchDb } from './batchRow.js';
import { readingBefore, releaseOldReading, SWITCH_READING_SET } from './readingSwitchSql.js';

/**
 * Status transitions: the API's retry and the worker's steps. Every worker write is fenced by
 * attempt, so a stale job cannot overwrite a retry.
 */
export function batchStatusWrites(db: BatchDb) {
  return {
    /** error -> uploaded with a fresh attempt; null when the batch is not in `error`. */
    resetForRetry(id: string, userId: string): Promise<Batch | null> {
      return db.one(
        `UPDATE batches SET status = 'uploaded', progress = 0, error_message = NULL, rows_read = 0,
                records_loaded = 0, invalid_rows = 0, text_encoding = NULL, attempt = attempt + 1,
                updated_at = now()
         WHERE id = $1 AND user_id = $2 AND status = 'error' RETURNING *`,
        [id, userId],
      );
    },

    markParsing(id: string, attempt: number): Promise<Batch | null> {
      return db.one(
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

    /** `textEncoding`: what the file was decoded with (null for spreadsheets). */
    async markParsed(
      id: string,
      attempt: number,
      counts: BatchCounts,
      progress: number,
      textEncoding: string | null = null,
    ): Promise<boolean> {
      const result = await db.query(
        `UPDATE batches SET status = 'parsed', progress = GREATEST(progress, $6), rows_read = $3,
                invalid_rows = $4, records_loaded = GREATEST(records_loaded, $5), text_encoding = $7,
                updated_at = now()
         WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed')`,
        [
          id,
          attempt,
          counts.rowsRead,
          counts.invalidRows,
          counts.recordsLoaded,
          Math.min(99, progress),
          textEncoding,
        ],
      );
      return result.rowCount === 1;
    },

    async markLoaded(id: string, attempt: number, counts: BatchCounts): Promise<boolean> {
      // The batch.loaded deliveries are written by the same statement (transactional outbox).
      const result = await db.query(
        // A re-read's records become the batch's in this same statement (readingSwitchSql.ts).
        `WITH before AS (${readingBefore(`id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed')`)}),
         changed AS (
           UPDATE batches SET status = 'loaded', progress = 100, rows_read = $3, invalid_rows = $4,
                  records_loaded = $5, error_message = NULL, updated_at = now(), ${SWITCH_READING_SET}
           WHERE id IN (SELECT id FROM before) RETURNING *
         ), outbox AS (${outboxInsert('batch.loaded', 'changed')}),
         ${releaseOldReading('before', 'changed')}
         SELECT id FROM changed`,
        [id, attempt, counts.rowsRead, counts.invalidRows, counts.recordsLoaded],
      );
      return result.rowCount === 1;
    },

    async markError(id: string, attempt: number, message: string, counts?: BatchCounts): Promise<boolean> {
      // The batch.failed deliveries are written by the same statement (transactional outbox).
      const result = await db.query(
        // A failed re-read also switches: the batch shows what the failed reading got, with its
        // counts, as a failed upload does (readingSwitchSql.ts); the file is kept for another try.
        `WITH before AS (${readingBefore(`id = $1 AND attempt = $2 AND status IN ('uploaded', 'parsing', 'parsed')`)}),
         changed AS (
           UPDATE batches SET status = 'error', error_message = $3, updated_at = now(),
                  rows_read = COALESCE($4, rows_read), invalid_rows = COALESCE($5, invalid_rows),
                  records_loaded = COALESCE($6, records_loaded), ${SWITCH_READING_SET}
           WHERE id IN (SELECT id FROM before) RETURNING *
         ), outbox AS (${outboxInsert('batch.failed', 'changed')}),
         ${releaseOldReading('before', 'changed')}
         SELECT id FROM changed`,
        [id, attempt, message.slice(0, 2000), counts?.rowsRead, counts?.invalidRows, counts?.recordsLoaded],
      );
      return result.rowCount === 1;
    },
  };
}
