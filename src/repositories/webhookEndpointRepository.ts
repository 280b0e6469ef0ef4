import { guardedQuery, withClient, type PgPool } from '../db/postgres.js';
import { postgresUnavailable } from '../db/postgresErrors.js';
import type { WebhookEndpoint, WebhookEventType } from '../domain/webhook.js';

interface EndpointRow {
  id: string;
  user_id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, user_id, url, events, description, enabled, disabled_reason, created_at, updated_at';

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    userId: row.user_id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewEndpoint {
  id: string;
  userId: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  secret: string;
}

export interface EndpointPatch {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  enabled?: boolean | undefined;
  description?: string | null | undefined;
}

export type WebhookEndpointRepository = ReturnType<typeof createWebhookEndpointRepository>;

/** PostgreSQL access for `webhook_endpoints`. Every user-facing query is scoped by user id. */
export function createWebhookEndpointRepository(pool: PgPool) {
  const db = { query: guardedQuery(pool, 'database') };
  async function one(sql: string, params: unknown[]): Promise<WebhookEndpoint | null> {
    const { rows } = await db.query<EndpointRow>(sql, params);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  return {
    /**
     * Inserts the endpoint unless the user already has `cap` of them (null then). A per-user
     * transaction lock makes two concurrent creations count one after the other.
     */
    async insertWithinCap(endpoint: NewEndpoint, cap: number): Promise<WebhookEndpoint | null> {
      try {
        return await withClient(pool, async (client) => {
          try {
            await client.query('BEGIN');
            await client.query("SELECT pg_advisory_xact_lock(hashtext('webhook-endpoints:' || $1))", [
              endpoint.userId,
            ]);
            const { rows } = await client.query<EndpointRow>(
              `INSERT INTO webhook_endpoints (id, user_id, url, events, description, secret)
               SELECT $1, $2, $3, $4, $5, $6
               WHERE (SELECT count(*) FROM webhook_endpoints WHERE user_id = $2) < $7
               RETURNING ${COLUMNS}`,
              [
                endpoint.id,
                endpoint.userId,
                endpoint.url,
                endpoint.events,
                endpoint.description,
                endpoint.secret,
                cap,
              ],
            );
            await client.query('COMMIT');
            return rows[0] ? toEndpoint(rows[0]) : null;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'creating a webhook endpoint') ?? error;
      }
    },

    async listForUser(userId: string): Promise<WebhookEndpoint[]> {
      const { rows } = await db.query<EndpointRow>(
        `SELECT ${COLUMNS} FROM webhook_endpoints WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      );
      return rows.map(toEndpoint);
    },

    findForUser(id: string, userId: string): Promise<WebhookEndpoint | null> {
      return one(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND user_id = $2`, [id, userId]);
    },

    /** Changes the given fields; enabling clears the failure state and the reason it was disabled. */
    update(id: string, userId: string, patch: EndpointPatch): Promise<WebhookEndpoint | null> {
      return one(
        `UPDATE webhook_endpoints SET
           url = COALESCE($3, url), events = COALESCE($4, events),
           description = CASE WHEN $5 THEN $6 ELSE description END,
           enabled = COALESCE($7, enabled),
           disabled_reason = CASE WHEN $7 IS NULL THEN disabled_reason ELSE NULL END,
           failing_since = CASE WHEN $7 THEN NULL ELSE failing_since END,
           updated_at = now()
         WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
        [
          id,
          userId,
          patch.url ?? null,
          patch.events ?? null,
          patch.description !== undefined,
          patch.description ?? null,
          patch.enabled ?? null,
        ],
      );
    },

    async delete(id: string, userId: string): Promise<boolean> {
      const result = await db.query('DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2', [
        id,
        userId,
      ]);
      return result.rowCount === 1;
    },

    /** A new current secret; the old one stays valid (signed alongside) for `overlapMs`. */
    async rotateSecret(id: string, userId: string, secret: string, overlapMs: number): Promise<boolean> {
      const result = await db.query(
        `UPDATE webhook_endpoints SET previous_secret = secret, secret = $3,
                previous_secret_expires_at = now() + make_interval(secs => $4::double precision / 1000),
                updated_at = now()
         WHERE id = $1 AND user_id = $2`,
        [id, userId, secret, overlapMs],
      );
      return result.rowCount === 1;
    },
  };
}
