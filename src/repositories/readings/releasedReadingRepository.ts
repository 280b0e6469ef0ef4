import { guardedQuery, type PgPool } from '../../db/postgres.js';

/** A reading no batch shows any more, whose records are still in the records store. */
export interface ReleasedReading {
  recordsKey: string;
  batchId: string;
  attempts: number;
}

/**
 * The CTE step a batch delete adds (issue #21): the batch's readings kept under keys other than
 * its id (a re-read's current one, one in progress) are released with the row; the batch id's own
 * records go with the deletion clean-up, as before. `gone` is the CTE of the deleted rows.
 */
export function releaseReadingsOf(gone: string): string {
  return `INSERT INTO released_readings (records_key, batch_id)
          SELECT k.key, g.id FROM ${gone} g, LATERAL (VALUES (g.records_key), (g.reading_key)) AS k(key)
          WHERE k.key IS NOT NULL AND k.key <> g.id
          ON CONFLICT (records_key) DO NOTHING`;
}

export type ReleasedReadingRepository = ReturnType<typeof createReleasedReadingRepository>;

/**
 * PostgreSQL `released_readings` (migration 012): the outbox of record sets owed a removal. Rows
 * are written by the statements that make a reading unreachable (a re-read's switch, a delete);
 * this repository lists the due ones and forgets them once their records are gone.
 */
export function createReleasedReadingRepository(pool: PgPool) {
  const query = guardedQuery(pool, 'database');
  return {
    /** Releases whose delay has passed, oldest first. */
    async due(limit: number): Promise<ReleasedReading[]> {
      const { rows } = await query<{ records_key: string; batch_id: string; attempts: number }>(
        `SELECT records_key, batch_id, attempts FROM released_readings
         WHERE due_at <= now() ORDER BY due_at LIMIT $1`,
        [limit],
      );
      return rows.map((r) => ({ recordsKey: r.records_key, batchId: r.batch_id, attempts: r.attempts }));
    },

    async complete(recordsKey: string): Promise<void> {
      await query('DELETE FROM released_readings WHERE records_key = $1', [recordsKey]);
    },

    async recordFailure(recordsKey: string, message: string): Promise<void> {
      await query(
        'UPDATE released_readings SET attempts = attempts + 1, last_error = $2 WHERE records_key = $1',
        [recordsKey, message.slice(0, 1000)],
      );
    },
  };
}
