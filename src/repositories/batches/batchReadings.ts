import type { Batch } from '../../domain/batch.js';
import type { ColumnMapping } from '../../parsing/types.js';
import { toBatch, type BatchDb, type BatchRow } from './batchRow.js';

export interface StartedReading {
  batch: Batch;
  /** Fixes made to the reading being replaced: dropped when the new reading takes over. */
  droppedFixes: number;
}

/** Issue #21, re-reads: starting one. Ending one is part of markLoaded/markError (readingSwitchSql.ts). */
export function batchReadings(db: BatchDb) {
  return {
    /**
     * `loaded` or `error` -> `uploaded` with the new options, a fresh attempt (a job of the old
     * one is fenced out) and a fresh `reading_key` for the new records, in ONE statement. The
     * records readers see (`records_key`) do not change until the job ends. Null when the batch
     * is not the user's or not in `loaded`/`error`.
     */
    async startReading(
      id: string,
      userId: string,
      options: { mapping: ColumnMapping | null; phoneRegion: string | null },
    ): Promise<StartedReading | null> {
      const { rows } = await db.query<BatchRow & { dropped_fixes: number }>(
        `WITH changed AS (
           UPDATE batches SET status = 'uploaded', progress = 0, error_message = NULL, rows_read = 0,
                  records_loaded = 0, invalid_rows = 0, text_encoding = NULL, attempt = attempt + 1,
                  column_mapping = $3::jsonb, phone_region = $4,
                  -- The same mapping keeps its source; another one was sent; none: the synonyms
                  -- (NULL: mappingSourceOf derives it, as for batches older than migration 013).
                  mapping_source = CASE WHEN column_mapping IS NOT DISTINCT FROM $3::jsonb THEN mapping_source
                                        WHEN $3::jsonb IS NULL THEN NULL ELSE 'request' END, reading_key = gen_random_uuid(),
                  updated_at = now()
           WHERE id = $1 AND user_id = $2 AND status IN ('loaded', 'error') RETURNING *
         )
         SELECT changed.*,
                (SELECT count(*)::int FROM batch_row_fixes f WHERE f.batch_id = changed.id) AS dropped_fixes
         FROM changed`,
        [id, userId, options.mapping === null ? null : JSON.stringify(options.mapping), options.phoneRegion],
      );
      const row = rows[0];
      return row ? { batch: toBatch(row), droppedFixes: row.dropped_fixes } : null;
    },
  };
}
