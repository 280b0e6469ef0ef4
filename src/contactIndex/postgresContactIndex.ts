import { guardedQuery, type PgPool } from '../db/postgres.js';
import { sightingsOf } from './contactKeys.js';
import type { ContactIndexStore, Sighting } from './contactIndexStore.js';

/**
 * The contact index in PostgreSQL (`contact_sightings`, migration 014), for RECORDS_STORE=postgres.
 * A chunk's sightings are one INSERT of arrays; the first sighting per key is one DISTINCT ON.
 */
export function createPostgresContactIndex(pool: PgPool): ContactIndexStore {
  const query = guardedQuery(pool, 'records');
  return {
    kind: 'postgres',
    async init() {
      // The table comes from the migrations, run at start-up.
    },
    async register() {
      // Release finds a reading's rows by records_key (indexed); nothing to remember.
    },
    async write(owner, records) {
      const sightings = sightingsOf(records);
      if (sightings.length === 0) {
        return;
      }
      await query(
        `INSERT INTO contact_sightings (user_id, contact_key, seq, batch_id, row_number, records_key)
         SELECT $1, k, $2, $3, r, $6 FROM unnest($4::text[], $5::int[]) AS t(k, r)
         ON CONFLICT DO NOTHING`,
        [
          owner.userId,
          owner.seq,
          owner.batchId,
          sightings.map((s) => s.key),
          sightings.map((s) => s.row),
          owner.recordsKey,
        ],
      );
    },
    async forget(owner, sightings) {
      if (sightings.length === 0) {
        return;
      }
      await query(
        `DELETE FROM contact_sightings s USING unnest($4::text[], $5::int[]) AS t(k, r)
          WHERE s.user_id = $1 AND s.contact_key = t.k AND s.seq = $2 AND s.batch_id = $3
            AND s.row_number = t.r`,
        [owner.userId, owner.seq, owner.batchId, sightings.map((s) => s.key), sightings.map((s) => s.row)],
      );
    },
    async firstSightings(userId, keys, seq) {
      const first = new Map<string, Sighting>();
      if (keys.length === 0) {
        return first;
      }
      const { rows } = await query<{
        contact_key: string;
        seq: string;
        batch_id: string;
        row_number: number;
      }>(
        `SELECT DISTINCT ON (contact_key) contact_key, seq, batch_id, row_number
           FROM contact_sightings
          WHERE user_id = $1 AND contact_key = ANY($2::text[]) AND ($3::bigint IS NULL OR seq > $3)
            AND seq < $4
          ORDER BY contact_key, seq, batch_id, row_number`,
        [userId, [...new Set(keys)], seq.after ?? null, seq.before],
      );
      for (const r of rows) {
        first.set(r.contact_key, { seq: Number(r.seq), batchId: r.batch_id, row: r.row_number });
      }
      return first;
    },
    async release(recordsKey) {
      await query('DELETE FROM contact_sightings WHERE records_key = $1', [recordsKey]);
    },
    async readingSeq(recordsKey) {
      const { rows } = await query<{ seq: string }>(
        'SELECT max(seq) AS seq FROM contact_sightings WHERE records_key = $1 HAVING count(*) > 0',
        [recordsKey],
      );
      return rows[0] ? Number(rows[0].seq) : null;
    },
    async close() {
      // The pool belongs to the composition root.
    },
  };
}
