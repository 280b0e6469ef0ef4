import type { WebhookDelivery, WebhookEndpoint } from '../../domain/webhook.js';

/** How endpoints and deliveries are shown to their owner (never the secret, save at creation). */
export function webhookView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    description: endpoint.description,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function deliveryView(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    eventType: delivery.eventType,
    batchId: delivery.batchId,
    state: delivery.state,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    occurredAt: delivery.occurredAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    attempts: delivery.attempts.map((a) => ({
      attemptedAt: a.attemptedAt.toISOString(),
      statusCode: a.statusCode,
      error: a.error,
      durationMs: a.durationMs,
      response: a.response,
    })),
  };
}
