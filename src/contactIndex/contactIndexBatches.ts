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
     * Resets the count: it is written again before the batch becomes `loaded`.
     */
    async beginAttempt(batchId: string, attempt: number): Promise<number | null> {
      const { rows } = await query<{ seq: string }>(
        `UPDATE batches
            SET contact_index_seq = CASE WHEN contact_index_attempt = attempt AND contact_index_seq IS NOT NULL
                                         THEN contact_index_seq ELSE nextval('contact_index_seq') END,
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
     * How many of the owner's other batches are loading and may still write sightings placed before
     * it: their current attempt drew a smaller seq. One whose current attempt has not drawn yet
     * will draw a larger one (a sequence only rises), so it is later, not earlier: waiting for it
     * (as this once did) made every batch of a user wait for every other after an outage.
     */
    async earlierInFlight(owner: IndexOwner): Promise<number> {
      const { rows } = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM batches
          WHERE user_id = $1 AND id <> $2 AND status IN ('parsing', 'parsed')
            AND contact_index_attempt = attempt AND contact_index_seq < $3`,
        [owner.userId, owner.batchId, owner.seq],
      );
      return rows[0]?.n ?? 0;
    },

    /** The owner's next batch in line: the smallest later seq drawn by a batch still loading. */
    async nextInFlight(owner: IndexOwner): Promise<string | null> {
      const { rows } = await query<{ id: string }>(
        `SELECT id FROM batches
          WHERE user_id = $1 AND id <> $2 AND status IN ('parsing', 'parsed')
            AND contact_index_attempt = attempt AND contact_index_seq > $3
          ORDER BY contact_index_seq LIMIT 1`,
        [owner.userId, owner.batchId, owner.seq],
      );
      return rows[0]?.id ?? null;
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
