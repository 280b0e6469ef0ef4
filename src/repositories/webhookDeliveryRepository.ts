import { guardedQuery, withClient, type PgPool } from '../db/postgres.js';
import { postgresUnavailable } from '../db/postgresErrors.js';
import type { DeliveryAttempt, DeliveryState, WebhookDelivery, WebhookEventType } from '../domain/webhook.js';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './webhookDeliveryCursor.js';

/** A delivery a deliverer has claimed: what it needs to send it, and the lease that fences it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  secrets: { current: string; previous: string | null };
  eventType: WebhookEventType;
  data: Record<string, unknown>;
  occurredAt: Date;
  roundAttempts: number;
  leaseToken: string;
}

/** What an attempt's result does to its delivery and endpoint (decided by the deliverer). */
export interface AttemptResult {
  attempt: DeliveryAttempt;
  state: DeliveryState;
  /** When the next attempt is due; only with state `pending`. */
  nextAttemptAt: Date | null;
  /** The attempt counts as the endpoint failing (not 2xx). */
  failed: boolean;
  /** Disable the endpoint now, saying why (410 Gone). */
  disableReason: string | null;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_type: WebhookEventType;
  batch_id: string | null;
  state: DeliveryState;
  next_attempt_at: Date;
  occurred_at: Date;
  delivered_at: Date | null;
  created_at: Date;
  attempts: Array<{
    attempted_at: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    response: string | null;
  }>;
}

/** The most attempts one delivery lists (a full schedule is 10; replays add rounds). */
export const MAX_LISTED_ATTEMPTS = 50;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventType: row.event_type,
    batchId: row.batch_id,
    state: row.state,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    occurredAt: row.occurred_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
    attempts: row.attempts.map((a) => ({
      attemptedAt: new Date(a.attempted_at),
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
      response: a.response,
    })),
  };
}

const DELIVERY_SELECT = `
  SELECT d.id, d.endpoint_id, d.event_type, d.batch_id, d.state, d.next_attempt_at, d.occurred_at,
         d.delivered_at, d.created_at,
         COALESCE((SELECT jsonb_agg(a ORDER BY a.id) FROM (
           SELECT id, attempted_at, status_code, error, duration_ms, response FROM webhook_attempts
           WHERE delivery_id = d.id ORDER BY id DESC LIMIT ${MAX_LISTED_ATTEMPTS}) a), '[]') AS attempts
  FROM webhook_deliveries d`;

export type WebhookDeliveryRepository = ReturnType<typeof createWebhookDeliveryRepository>;

/** PostgreSQL access for `webhook_deliveries` (the outbox) and `webhook_attempts`. */
export function createWebhookDeliveryRepository(pool: PgPool) {
  const db = { query: guardedQuery(pool, 'database') };
  return {
    /** A `webhook.test` delivery, due now. */
    async enqueueTest(endpointId: string, data: Record<string, unknown>): Promise<string> {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO webhook_deliveries (endpoint_id, event_type, data) VALUES ($1, 'webhook.test', $2)
         RETURNING id`,
        [endpointId, JSON.stringify(data)],
      );
      return rows[0]!.id;
    },

    /**
     * Claims up to `limit` due deliveries of enabled endpoints, at most `perEndpoint` in flight per
     * endpoint across all deliverers (leases not yet expired count), so one slow endpoint never
     * holds every slot. `FOR UPDATE SKIP LOCKED` keeps two deliverers from claiming one row; the
     * lease makes a dead deliverer's rows due again once it passes.
     */
    async claim(limit: number, perEndpoint: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const { rows } = await db.query<{
        id: string;
        endpoint_id: string;
        url: string;
        secret: string;
        previous_secret: string | null;
        event_type: WebhookEventType;
        data: Record<string, unknown>;
        occurred_at: Date;
        round_attempts: number;
        lease_token: string;
      }>(
        `WITH busy AS (
           SELECT endpoint_id, count(*) AS n FROM webhook_deliveries
           WHERE state = 'pending' AND lease_until > now() GROUP BY endpoint_id
         ), candidates AS (
           SELECT id FROM (
             SELECT d.id, d.next_attempt_at, COALESCE(b.n, 0) AS busy_n,
                    row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rn
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
             LEFT JOIN busy b ON b.endpoint_id = d.endpoint_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= now()
               AND (d.lease_until IS NULL OR d.lease_until <= now())
           ) c WHERE rn + busy_n <= $2 ORDER BY next_attempt_at LIMIT $1
         ), locked AS (
           SELECT d.id FROM webhook_deliveries d
           WHERE d.id IN (SELECT id FROM candidates) AND d.state = 'pending'
             AND (d.lease_until IS NULL OR d.lease_until <= now())
           FOR UPDATE SKIP LOCKED
         )
         UPDATE webhook_deliveries d
         SET lease_until = now() + make_interval(secs => $3::double precision / 1000),
             lease_token = gen_random_uuid()
         FROM locked l, webhook_endpoints e
         WHERE d.id = l.id AND e.id = d.endpoint_id
         RETURNING d.id, d.endpoint_id, e.url, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
                   d.event_type, d.data, d.occurred_at, d.round_attempts, d.lease_token`,
        [limit, perEndpoint, leaseMs],
      );
      return rows.map((r) => ({
        id: r.id,
        endpointId: r.endpoint_id,
        url: r.url,
        secrets: { current: r.secret, previous: r.previous_secret },
        eventType: r.event_type,
        data: r.data,
        occurredAt: r.occurred_at,
        roundAttempts: r.round_attempts,
        leaseToken: r.lease_token,
      }));
    },

    /**
     * Records an attempt and its consequences in one transaction. The delivery changes only while
     * the lease is still this deliverer's (a deliverer that outlived its lease records the attempt
     * but cannot overwrite what the next one decided).
     */
    async recordAttempt(
      claim: ClaimedDelivery,
      result: AttemptResult,
      disableAfterMs: number,
    ): Promise<void> {
      const { attempt } = result;
      try {
        await withClient(pool, async (client) => {
          try {
            await client.query('BEGIN');
            await client.query(
              // Nothing to record when the endpoint (and so the delivery) was deleted meanwhile.
              `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response)
               SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)`,
              [
                claim.id,
                attempt.attemptedAt,
                attempt.statusCode,
                attempt.error,
                attempt.durationMs,
                attempt.response,
              ],
            );
            await client.query(
              `UPDATE webhook_deliveries SET state = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                      round_attempts = round_attempts + 1, lease_until = NULL, lease_token = NULL,
                      delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
               WHERE id = $1 AND lease_token = $2`,
              [claim.id, claim.leaseToken, result.state, result.nextAttemptAt],
            );
            if (result.failed) {
              await client.query(endpointFailedSql, [
                claim.endpointId,
                attempt.attemptedAt,
                result.disableReason,
                disableAfterMs,
              ]);
            } else {
              // A success ends a failure streak; on a healthy endpoint it writes nothing, so
              // concurrent attempts to one endpoint never queue on its row lock.
              await client.query(
                'UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
                [claim.endpointId],
              );
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'recording a webhook attempt') ?? error;
      }
    },

    async listForEndpoint(
      endpointId: string,
      options: { state?: DeliveryState | undefined; cursor?: string | undefined; limit: number },
    ): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
      const after = options.cursor === undefined ? null : decodeDeliveryCursor(options.cursor);
      const { rows } = await db.query<DeliveryRow>(
        `${DELIVERY_SELECT}
         WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.state = $2)
           AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4::uuid))
         ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
        [endpointId, options.state ?? null, after?.createdAt ?? null, after?.id ?? null, options.limit + 1],
      );
      const page = rows.slice(0, options.limit).map(toDelivery);
      const last = page[page.length - 1];
      return {
        deliveries: page,
        nextCursor:
          rows.length > options.limit && last ? encodeDeliveryCursor(last.createdAt, last.id) : null,
      };
    },

    async findForEndpoint(endpointId: string, id: string): Promise<WebhookDelivery | null> {
      const { rows } = await db.query<DeliveryRow>(
        `${DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND d.id = $2`,
        [endpointId, id],
      );
      return rows[0] ? toDelivery(rows[0]) : null;
    },

    /** Sends a delivery again from the start of the schedule, keeping its id; false when unknown. */
    async replay(endpointId: string, id: string): Promise<boolean> {
      const result = await db.query(
        `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = now(),
                lease_until = NULL, lease_token = NULL
         WHERE endpoint_id = $1 AND id = $2`,
        [endpointId, id],
      );
      return result.rowCount === 1;
    },

    /** Replays every failed delivery of the endpoint created since `since`; returns how many. */
    async replayFailedSince(endpointId: string, since: Date): Promise<number> {
      const result = await db.query(
        `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = now(),
                lease_until = NULL, lease_token = NULL
         WHERE endpoint_id = $1 AND state = 'failed' AND created_at >= $2`,
        [endpointId, since],
      );
      return result.rowCount ?? 0;
    },

    /** Pending deliveries of enabled endpoints, and the age of the oldest due one (metrics). */
    async pendingSummary(): Promise<{ pending: number; oldestAgeSeconds: number }> {
      const { rows } = await db.query<{ pending: string; oldest: number | null }>(
        `SELECT count(*) AS pending, EXTRACT(EPOCH FROM now() - min(d.occurred_at))::float8 AS oldest
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
         WHERE d.state = 'pending'`,
      );
      return { pending: Number(rows[0]?.pending ?? 0), oldestAgeSeconds: rows[0]?.oldest ?? 0 };
    },
  };
}

/**
 * After a failed attempt: the failure streak starts (or keeps its start), and the endpoint is
 * disabled once the streak is `$4` ms long, or at once with a reason ($3, 410 Gone).
 */
const endpointFailedSql = `
  UPDATE webhook_endpoints SET
    failing_since = COALESCE(failing_since, $2),
    enabled = CASE
      WHEN $3::text IS NOT NULL THEN false
      WHEN COALESCE(failing_since, $2) <= now() - make_interval(secs => $4::double precision / 1000) THEN false
      ELSE enabled END,
    disabled_reason = CASE
      WHEN $3::text IS NOT NULL THEN $3
      WHEN COALESCE(failing_since, $2) <= now() - make_interval(secs => $4::double precision / 1000)
        THEN 'every delivery failed since ' || to_char(COALESCE(failing_since, $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      ELSE disabled_reason END,
    updated_at = now()
  WHERE id = $1`;
