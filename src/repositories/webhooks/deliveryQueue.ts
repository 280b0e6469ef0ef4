import type { WebhookEventType } from '../../domain/webhook.js';
import type { DeliveryDb } from './deliveryRow.js';

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

interface ClaimRow {
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
}

/** $1 deliveries at most, $2 in flight per endpoint at most, $3 the lease in ms. */
const CLAIM_SQL = `
  WITH RECURSIVE pending_endpoints AS (
    (SELECT endpoint_id FROM webhook_deliveries WHERE state = 'pending' ORDER BY endpoint_id LIMIT 1)
    UNION ALL
    SELECT (SELECT d.endpoint_id FROM webhook_deliveries d
             WHERE d.state = 'pending' AND d.endpoint_id > p.endpoint_id ORDER BY d.endpoint_id LIMIT 1)
      FROM pending_endpoints p WHERE p.endpoint_id IS NOT NULL
  ), claimable AS (
    SELECT due.id, due.next_attempt_at
      FROM pending_endpoints p
      JOIN webhook_endpoints e ON e.id = p.endpoint_id AND e.enabled
      CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM webhook_deliveries b
         WHERE b.endpoint_id = p.endpoint_id AND b.state = 'pending'
           AND b.lease_until IS NOT NULL AND b.lease_until > now()) busy
      CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
         WHERE d.endpoint_id = p.endpoint_id AND d.state = 'pending' AND d.next_attempt_at <= now()
           AND (d.lease_until IS NULL OR d.lease_until <= now())
         ORDER BY d.next_attempt_at, d.id
         LIMIT GREATEST($2 - busy.n, 0)
         FOR UPDATE OF d SKIP LOCKED) due
     ORDER BY due.next_attempt_at LIMIT $1
  )
  UPDATE webhook_deliveries d
     SET lease_until = now() + make_interval(secs => $3::double precision / 1000),
         lease_token = gen_random_uuid()
    FROM claimable c, webhook_endpoints e
   WHERE d.id = c.id AND e.id = d.endpoint_id
  RETURNING d.id, d.endpoint_id, e.url, e.secret,
            CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
            d.event_type, d.data, d.occurred_at, d.round_attempts, d.lease_token`;

/** The outbox as a queue: adding a test delivery, claiming due deliveries under a lease, its depth. */
export function deliveryQueue(db: DeliveryDb) {
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
     * holds every slot. Each endpoint with pending deliveries is visited once (found by skipping
     * through an index, migration 018), its leases counted and its earliest due deliveries taken,
     * so a claim costs per endpoint, not per pending delivery. `FOR UPDATE SKIP LOCKED` keeps two
     * deliverers from claiming one row; the lease makes a dead deliverer's rows due again once it
     * passes.
     */
    async claim(limit: number, perEndpoint: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const { rows } = await db.query<ClaimRow>({ name: 'webhook_claim', text: CLAIM_SQL }, [
        limit,
        perEndpoint,
        leaseMs,
      ]);
      return rows.map(toClaimedDelivery);
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

function toClaimedDelivery(r: ClaimRow): ClaimedDelivery {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    url: r.url,
    secrets: { current: r.secret, previous: r.previous_secret },
    eventType: r.event_type,
    data: r.data,
    occurredAt: r.occurred_at,
    roundAttempts: r.round_attempts,
    leaseToken: r.lease_token,
  };
}
