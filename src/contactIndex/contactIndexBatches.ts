import { guardedQuery, type PgPool } from '../db/postgres.js';
import type { IndexOwner } from './contactIndexStore.js';

export type ContactIndexBatches = ReturnType<typeof createContactIndexBatches>;

/** The contact index's columns of `batches` (migration 014): each batch's place and its count. */
export function createContactIndexBatches(pool: PgPool) {
  const query = guardedQuery(pool, 'database');
  return {
    /**
     * The attempt's place in its user's order, drawn when the attempt starts loading and kept if
     * the same attempt runs again (a stalled job); null when the attempt is no longer current.
     * Resets the count: it is written again before the batch becomes `loaded`. A new place is not
     * written yet (markWritten).
     */
    async beginAttempt(batchId: string, attempt: number): Promise<number | null> {
      const { rows } = await query<{ seq: string }>(
        `UPDATE batches
            SET contact_index_seq = CASE WHEN contact_index_attempt = attempt AND contact_index_seq IS NOT NULL
                                         THEN contact_index_seq ELSE nextval('contact_index_seq') END,
                contact_index_written = contact_index_attempt = attempt AND contact_index_seq IS NOT NULL
                                        AND contact_index_written,
                contact_index_attempt = attempt, known_contacts = 0
          WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed')
          RETURNING contact_index_seq AS seq`,
        [batchId, attempt],
      );
      return rows[0] ? Number(rows[0].seq) : null;
    },

    /**
     * The batch's owner, place (null seq: never indexed) and current reading (the records readers
     * see); null when there is no such batch.
     */
    async indexOwner(
      batchId: string,
    ): Promise<{ userId: string; seq: number | null; recordsKey: string } | null> {
      const { rows } = await query<{ user_id: string; seq: string | null; records_key: string }>(
        `SELECT user_id, contact_index_seq AS seq, COALESCE(records_key, id) AS records_key
           FROM batches WHERE id = $1`,
        [batchId],
      );
      const row = rows[0];
      return row
        ? { userId: row.user_id, seq: row.seq === null ? null : Number(row.seq), recordsKey: row.records_key }
        : null;
    },

    /** A place for a batch that has none (a stored set indexed again, e.g. loaded before 014). */
    async placeOf(batchId: string): Promise<number | null> {
      const { rows } = await query<{ seq: string }>(
        `UPDATE batches SET contact_index_seq = COALESCE(contact_index_seq, nextval('contact_index_seq'))
          WHERE id = $1 RETURNING contact_index_seq AS seq`,
        [batchId],
      );
      return rows[0] ? Number(rows[0].seq) : null;
    },

    /**
     * Every sighting of the owner's attempt is written (acknowledged): from now on a later batch
     * of the user reads all of them, so it need not wait for this one to become `loaded`.
     */
    async markWritten(owner: IndexOwner): Promise<void> {
      await query(
        `UPDATE batches SET contact_index_written = true
          WHERE id = $1 AND contact_index_attempt = attempt AND contact_index_seq = $2`,
        [owner.batchId, owner.seq],
      );
    },

    /**
     * How many of the owner's other batches are loading and may still write sightings placed before
     * it: their current attempt drew a smaller seq and has not written all its sightings yet. One
     * whose current attempt has not drawn yet will draw a larger one (a sequence only rises), so
     * it is later, not earlier: waiting for it (as this once did) made every batch of a user wait
     * for every other after an outage; waiting until earlier ones were `loaded` rather than
     * written made a user's backlog finish one batch at a time.
     */
    async earlierInFlight(owner: IndexOwner): Promise<number> {
      const { rows } = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM batches
          WHERE user_id = $1 AND id <> $2 AND status IN ('parsing', 'parsed')
            AND contact_index_attempt = attempt AND contact_index_seq < $3 AND NOT contact_index_written`,
        [owner.userId, owner.batchId, owner.seq],
      );
      return rows[0]?.n ?? 0;
    },

    /**
     * The owner's later batches that no longer wait for an earlier one (every batch loading
     * before them has written its sightings) and have written their own, in seq order, at most
     * `limit`: the ones that may be put back waiting (knownCountWait.ts) and can count now.
     */
    async unblockedAfter(owner: IndexOwner, limit: number): Promise<string[]> {
      const { rows } = await query<{ id: string }>(
        `WITH loading AS (
           SELECT id, contact_index_seq AS seq, contact_index_written AS written FROM batches
            WHERE user_id = $1 AND status IN ('parsing', 'parsed') AND contact_index_attempt = attempt
              AND contact_index_seq IS NOT NULL)
         SELECT id FROM loading, (SELECT min(seq) AS gate FROM loading WHERE NOT written) AS g
          WHERE written AND seq > $2 AND (g.gate IS NULL OR seq < g.gate)
          ORDER BY seq LIMIT $3`,
        [owner.userId, owner.seq, limit],
      );
      return rows.map((r) => r.id);
    },

    /** The count, fenced on the attempt when one is given; false when nothing matched. */
    async setKnownContacts(batchId: string, knownContacts: number, attempt?: number): Promise<boolean> {
      const { rowCount } = await query(
        `UPDATE batches SET known_contacts = $2 WHERE id = $1 AND ($3::int IS NULL OR attempt = $3)`,
        [batchId, knownContacts, attempt ?? null],
      );
      return rowCount === 1;
    },
  };
}
