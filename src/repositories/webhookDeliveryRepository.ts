import type { PgPool } from '../db/postgres.js';
import { attemptRecording } from './webhooks/attemptRecording.js';
import { deliveryLog } from './webhooks/deliveryLog.js';
import { deliveryQueue } from './webhooks/deliveryQueue.js';
import { deliveryRetention } from './webhooks/deliveryRetention.js';
import { deliveryDb } from './webhooks/deliveryRow.js';

export type { AttemptResult } from './webhooks/attemptRecording.js';
export type { ClaimedDelivery } from './webhooks/deliveryQueue.js';
export { MAX_LISTED_ATTEMPTS } from './webhooks/deliveryRow.js';

export type WebhookDeliveryRepository = ReturnType<typeof createWebhookDeliveryRepository>;

/**
 * PostgreSQL access for `webhook_deliveries` (the outbox) and `webhook_attempts`, in four parts:
 * the queue deliverers claim from, recording their attempts, the delivery log and replays (the
 * API), and removing finished deliveries past the retention.
 */
export function createWebhookDeliveryRepository(pool: PgPool) {
  const db = deliveryDb(pool);
  return { ...deliveryQueue(db), ...attemptRecording(pool), ...deliveryLog(db), ...deliveryRetention(db) };
}
