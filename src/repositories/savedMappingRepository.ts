import { guardedQuery, withClient, type PgPool } from '../db/postgres.js';
import { postgresUnavailable } from '../db/postgresErrors.js';
import type { SavedMappingCandidate } from '../parsing/headers/savedMappings.js';
import type { ColumnMapping } from '../parsing/types.js';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './webhookDeliveryCursor.js';

/** A remembered mapping as the API lists it. */
export interface SavedMapping {
  id: string;
  /** The column names of the file it was saved from -> field or null, in that file's order. */
  mapping: ColumnMapping;
  createdAt: Date;
  lastUsedAt: Date;
}

export interface NewSavedMapping {
  id: string;
  userId: string;
  fingerprint: string;
  mapping: ColumnMapping;
  fields: ColumnMapping;
}

interface SavedMappingRow {
  id: string;
  mapping: ColumnMapping;
  created_at: Date;
  last_used_at: Date;
}

const toSavedMapping = (row: SavedMappingRow): SavedMapping => ({
  id: row.id,
  mapping: row.mapping,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export type SavedMappingRepository = ReturnType<typeof createSavedMappingRepository>;

/** PostgreSQL access for `saved_mappings` (migration 013). Every query is scoped by user id. */
export function createSavedMappingRepository(pool: PgPool) {
  const query = guardedQuery(pool, 'database');

  return {
    /**
     * Saves the mapping under its fingerprint (replacing the one saved there before) and keeps
     * at most `cap` per user: beyond it the least recently used go. A per-user transaction lock
     * makes concurrent saves count one after the other, so the cap is never passed.
     */
    async save(entry: NewSavedMapping, cap: number): Promise<string> {
      try {
        return await withClient(pool, async (client) => {
          try {
            await client.query('BEGIN');
            await client.query("SELECT pg_advisory_xact_lock(hashtext('saved-mappings:' || $1))", [
              entry.userId,
            ]);
            const { rows } = await client.query<{ id: string }>(
              `INSERT INTO saved_mappings (id, user_id, fingerprint, mapping, fields)
               VALUES ($1, $2, $3, $4::json, $5::jsonb)
               ON CONFLICT (user_id, fingerprint) DO UPDATE
                 SET mapping = EXCLUDED.mapping, fields = EXCLUDED.fields, last_used_at = clock_timestamp()
               RETURNING id`,
              [
                entry.id,
                entry.userId,
                entry.fingerprint,
                JSON.stringify(entry.mapping),
                JSON.stringify(entry.fields),
              ],
            );
            await client.query(
              `DELETE FROM saved_mappings WHERE user_id = $1 AND id NOT IN (
                 SELECT id FROM saved_mappings WHERE user_id = $1
                  ORDER BY last_used_at DESC, id DESC LIMIT $2)`,
              [entry.userId, cap],
            );
            await client.query('COMMIT');
            return rows[0]!.id;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'saving a mapping') ?? error;
      }
    },

    /** What the parser is given: every saved mapping of the user (at most the cap). */
    async candidates(userId: string): Promise<SavedMappingCandidate[]> {
      const { rows } = await query<{ id: string; fingerprint: string; fields: ColumnMapping }>(
        'SELECT id, fingerprint, fields FROM saved_mappings WHERE user_id = $1',
        [userId],
      );
      return rows;
    },

    /** A saved mapping was applied: it is now the most recently used. */
    async touch(id: string, userId: string): Promise<void> {
      await query(
        'UPDATE saved_mappings SET last_used_at = clock_timestamp() WHERE id = $1 AND user_id = $2',
        [id, userId],
      );
    },

    /** Newest first; `cursor` is the previous page's nextCursor. */
    async list(
      userId: string,
      limit: number,
      cursor: string | undefined,
    ): Promise<{ mappings: SavedMapping[]; nextCursor: string | null }> {
      const after = cursor === undefined ? null : decodeDeliveryCursor(cursor);
      const { rows } = await query<SavedMappingRow>(
        `SELECT id, mapping, created_at, last_used_at FROM saved_mappings
          WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $4`,
        [userId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
      );
      const page = rows.slice(0, limit).map(toSavedMapping);
      const last = page.at(-1);
      return {
        mappings: page,
        nextCursor: rows.length > limit && last ? encodeDeliveryCursor(last.createdAt, last.id) : null,
      };
    },

    /** True when the user's mapping was there and is gone. */
    async delete(id: string, userId: string): Promise<boolean> {
      const { rowCount } = await query('DELETE FROM saved_mappings WHERE id = $1 AND user_id = $2', [
        id,
        userId,
      ]);
      return rowCount === 1;
    },
  };
}
