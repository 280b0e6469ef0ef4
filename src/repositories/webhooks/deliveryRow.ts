/** The `webhook_deliveries` row as PostgreSQL returns it (with its attempts), its mapping, and the query helper. */
import { guardedQuery, type PgPool } from '../../db/postgres.js';
import type { DeliveryState, WebhookDelivery, WebhookEventType } from '../../domain/webhook.js';

export interface DeliveryRow {
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

export function toDelivery(row: DeliveryRow): WebhookDelivery {
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

export const DELIVERY_SELECT = `
  SELECT d.id, d.endpoint_id, d.event_type, d.batch_id, d.state, d.next_attempt_at, d.occurred_at,
         d.delivered_at, d.created_at,
         COALESCE((SELECT jsonb_agg(a ORDER BY a.id) FROM (
           SELECT id, attempted_at, status_code, error, duration_ms, response FROM webhook_attempts
           WHERE delivery_id = d.id ORDER BY id DESC LIMIT ${MAX_LISTED_ATTEMPTS}) a), '[]') AS attempts
  FROM webhook_deliveries d`;

export function deliveryDb(pool: PgPool) {
  return { query: guardedQuery(pool, 'database') };
}

export type DeliveryDb = ReturnType<typeof deliveryDb>;
