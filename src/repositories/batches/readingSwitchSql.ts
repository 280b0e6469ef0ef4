/**
 * Issue #21, re-reads: the CTE steps that end a re-read, added to the statement that ends the job
 * (`markLoaded`, `markError`), so the switch commits with the status change or not at all.
 *
 * `before` must be a CTE selecting the batch row `FOR UPDATE` (its values before the change) and
 * `changed` the CTE of the updated row. When a re-read was in progress (`reading_key` set), the
 * reading readers saw until now is listed in `released_readings` (its records are removed in the
 * background, after RELEASE_DELAY, see readingReleaseService) and the fixes made to it are
 * dropped: they belong to the records that are going away.
 */
export const RELEASE_DELAY_SECONDS = 30;

/** The SET items that make the re-read's records the ones readers see (no-ops for a first reading). */
export const SWITCH_READING_SET = `records_key = COALESCE(reading_key, records_key),
       reading = reading + CASE WHEN reading_key IS NULL THEN 0 ELSE 1 END,
       reading_key = NULL`;

/** The before-image of the batch row (read and locked in the ending statement). */
export function readingBefore(where: string): string {
  return `SELECT id, COALESCE(records_key, id) AS old_key, reading_key FROM batches WHERE ${where} FOR UPDATE`;
}

/** `released` and `dropped` CTE steps, for the rows in both `before` and `changed`. */
export function releaseOldReading(before: string, changed: string): string {
  return `released AS (
           INSERT INTO released_readings (records_key, batch_id, due_at)
           SELECT o.old_key, o.id, now() + interval '${RELEASE_DELAY_SECONDS} seconds'
           FROM ${before} o JOIN ${changed} c ON c.id = o.id WHERE o.reading_key IS NOT NULL
           ON CONFLICT (records_key) DO NOTHING
         ), dropped AS (
           DELETE FROM batch_row_fixes f USING ${before} o JOIN ${changed} c ON c.id = o.id
           WHERE f.batch_id = o.id AND o.reading_key IS NOT NULL
         )`;
}
