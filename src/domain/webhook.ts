/** The events a webhook endpoint can subscribe to (docs/hand-off.md). */
export const WEBHOOK_EVENT_TYPES = [
  'batch.loaded',
  'batch.failed',
  'batch.deleted',
  // A stored fix of invalid rows changed a loaded batch's records and counts (issue #21).
  'batch.updated',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The events written by batch transitions (the outbox); `webhook.test` is sent on request only. */
export type BatchWebhookEventType = Exclude<WebhookEventType, 'webhook.test'>;

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface WebhookEndpoint {
  id: string;
  userId: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  enabled: boolean;
  /** Why the service disabled the endpoint (410, failing for days); null otherwise. */
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The signing secrets of an endpoint: the current one, and the previous one during an overlap. */
export interface SigningSecrets {
  current: string;
  previous: string | null;
}

export interface DeliveryAttempt {
  attemptedAt: Date;
  /** The receiver's HTTP status; null when no answer came (network error, timeout, refused target). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The first 1 KiB of the answer's body. */
  response: string | null;
}

export interface WebhookDelivery {
  /** The `webhook-id`: the same on every retry and replay. */
  id: string;
  endpointId: string;
  eventType: WebhookEventType;
  batchId: string | null;
  state: DeliveryState;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  occurredAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
  attempts: DeliveryAttempt[];
}
