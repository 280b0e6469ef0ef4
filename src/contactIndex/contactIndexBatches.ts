import { guardedQuery, type PgPool } from '../db/postgres.js';
import type { IndexOwner } from './contactIndexStore.js';

export type ContactIndexBatches = ReturnType<typeof createContactIndexBatches>;

/**
 * The WHERE clause of a user's batches that are loading and may still write sightings placed
 * before `seq`: their current attempt drew a smaller seq and has not written all its sightings.
 * One whose current attempt has not drawn yet will draw a larger one (a sequence only rises), so
 * it is later, not earlier: waiting for it (as this once did) made every batch of a user wait for
 * every other after an outage; waiting until earlier ones were `loaded` rather than written made
 * a user's backlog finish one batch at a time.
 */
const EARLIER_WRITING = (userId: string, batchId: string, seq: string) =>
  `WHERE user_id = ${userId} AND id <> ${batchId} AND status IN ('parsing', 'parsed')
     AND contact_index_attempt = attempt AND contact_index_seq < ${seq} AND NOT contact_index_written`;

/**
 * The WHERE clause of a user's other batches that may hold sightings placed before `seq`: placed
 * before it, or re-read (a re-read's older reading keeps its older place until it is released,
 * while the batch's own place is the re-read's). A batch that gave up its place held no sighting
 * (releasePlace); a deleted batch's sightings, until their release ends, point at a batch that is
 * gone and are not counted.
 */
const EARLIER_PLACED = (userId: string, batchId: string, seq: string) =>
  `WHERE user_id = ${userId} AND id <> ${batchId} AND contact_index_seq IS NOT NULL
     AND (contact_index_seq < ${seq} OR records_key IS NOT NULL OR reading_key IS NOT NULL)`;

/** The contact index's columns of `batches` (migration 014): each batch's place and its count. */
export function createContactIndexBatches(pool: PgPool) {
  const query = guardedQuery(pool, 'database');
  return {
    /**
     * The attempt's place in its user's order, drawn when the attempt starts loading and kept if
     * the same attempt runs again (a stalled job), with how many earlier batches are still writing
     * (earlierWriting), whether any other batch of the user may hold sightings placed before it
     * (earlierPlaced: when none does, nothing the attempt loads can be known, and it need not read
     * the index) and whether the place was kept from an earlier run (`kept`: that run may have
     * written sightings under it); null when the attempt is no longer current. Resets the count:
     * it is written again before the batch becomes `loaded`. A new place is not written yet
     * (markWritten).
     */
    async beginAttempt(
      batchId: string,
      attempt: number,
    ): Promise<{ seq: number; earlierWriting: number; earlierPlaced: boolean; kept: boolean } | null> {
      const { rows } = await query<{ seq: string; earlier: number; placed: boolean; kept: boolean }>(
        `WITH prior AS (
           SELECT id, COALESCE(contact_index_attempt = attempt AND contact_index_seq IS NOT NULL, false) AS kept
             FROM batches WHERE id = $1 AND attempt = $2 AND status IN ('parsing', 'parsed') FOR UPDATE),
         placed AS (
           UPDATE batches b
              SET contact_index_seq = CASE WHEN prior.kept THEN b.contact_index_seq
                                           ELSE nextval('contact_index_seq') END,
                  contact_index_written = prior.kept AND b.contact_index_written,
                  contact_index_attempt = b.attempt, known_contacts = 0
             FROM prior WHERE b.id = prior.id
            RETURNING b.user_id, b.contact_index_seq, prior.kept)
         SELECT p.contact_index_seq AS seq, p.kept,
                (SELECT count(*)::int FROM batches ${EARLIER_WRITING('p.user_id', '$1', 'p.contact_index_seq')}) AS earlier,
                EXISTS (SELECT 1 FROM batches ${EARLIER_PLACED('p.user_id', '$1', 'p.contact_index_seq')}) AS placed
           FROM placed p`,
        [batchId, attempt],
      );
      const row = rows[0];
      return row
        ? { seq: Number(row.seq), earlierWriting: row.earlier, earlierPlaced: row.placed, kept: row.kept }
        : null;
    },

    /**
     * Whether any other batch of the owner's user may hold sightings placed before it (see
     * beginAttempt's earlierPlaced). Asked again at the end by an attempt that found none at its
     * start: a batch that drew an earlier place but committed it after that start shows here.
     */
    async earlierPlaced(owner: IndexOwner): Promise<boolean> {
      const { rows } = await query<{ placed: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM batches ${EARLIER_PLACED('$1', '$2', '$3')}) AS placed`,
        [owner.userId, owner.batchId, owner.seq],
      );
      return rows[0]?.placed ?? true;
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
     * of the user reads all of them, so it need not wait for this one to become `loaded`. Answers
     * how many of the owner's earlier batches are still writing theirs (earlierWriting).
     */
    async markWritten(owner: IndexOwner): Promise<number> {
      const { rows } = await query<{ n: number }>(
        `WITH marked AS (
           UPDATE batches SET contact_index_written = true
            WHERE id = $2 AND contact_index_attempt = attempt AND contact_index_seq = $3)
         SELECT count(*)::int AS n FROM batches ${EARLIER_WRITING('$1', '$2', '$3')}`,
        [owner.userId, owner.batchId, owner.seq],
      );
      return rows[0]?.n ?? 0;
    },

    /**
     * The owner's earlier batches still writing their sightings (markWritten counts them), at
     * most `limit`, in seq order.
     */
    async earlierWritingIds(owner: IndexOwner, limit: number): Promise<string[]> {
      const { rows } = await query<{ id: string }>(
        `SELECT id FROM batches ${EARLIER_WRITING('$1', '$2', '$3')} ORDER BY contact_index_seq LIMIT $4`,
        [owner.userId, owner.batchId, owner.seq, limit],
      );
      return rows.map((r) => r.id);
    },

    /**
     * Gives up the attempt's place while it holds no sighting (drawn by this run, which failed
     * before its first index write): its next run draws a new, later place, so the batches placed after it stop waiting
     * for it. Without this, every batch whose job failed at the start of an outage kept a place
     * that all later batches of the user waited for until it ran again.
     */
    async releasePlace(owner: IndexOwner): Promise<void> {
      await query(
        `UPDATE batches SET contact_index_seq = NULL
          WHERE id = $1 AND contact_index_seq = $2 AND contact_index_attempt = attempt
            AND NOT contact_index_written`,
        [owner.batchId, owner.seq],
      );
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
