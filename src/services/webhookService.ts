import { randomUUID } from 'node:crypto';
import type { User } from '../domain/batch.js';
import {
  WEBHOOK_EVENT_TYPES,
  type DeliveryState,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../domain/webhook.js';
import { ConflictError, NotFoundError, WebhookLimitError } from '../errors.js';
import type { WebhookDeliveryRepository } from '../repositories/webhookDeliveryRepository.js';
import type { EndpointPatch, WebhookEndpointRepository } from '../repositories/webhookEndpointRepository.js';
import { generateSecret } from '../webhooks/signing.js';
import type { TargetPolicy } from '../webhooks/targetGuard.js';
import { checkTarget } from '../webhooks/targetGuard.js';

export type WebhookService = ReturnType<typeof createWebhookService>;

export interface WebhookServiceDeps {
  endpoints: WebhookEndpointRepository;
  deliveries: WebhookDeliveryRepository;
  policy: TargetPolicy;
  maxEndpointsPerUser: number;
  secretOverlapMs: number;
  /** Resolves and checks a target URL (the SSRF guard); tests of the HTTP layer swap it. */
  checkTarget?: (url: string, policy: TargetPolicy) => Promise<URL>;
}

export interface NewWebhook {
  url: string;
  events?: WebhookEventType[] | undefined;
  description?: string | undefined;
}

/** A user's webhook endpoints, their secrets, test sends, delivery log and replays. */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { endpoints, deliveries, policy } = deps;
  const guard = deps.checkTarget ?? checkTarget;

  async function owned(user: User, id: string): Promise<WebhookEndpoint> {
    // Someone else's endpoint is "not found", as for batches.
    const endpoint = await endpoints.findForUser(id, user.id);
    if (!endpoint) {
      throw new NotFoundError('webhook endpoint not found');
    }
    return endpoint;
  }

  async function enabled(user: User, id: string): Promise<WebhookEndpoint> {
    const endpoint = await owned(user, id);
    if (!endpoint.enabled) {
      throw new ConflictError(
        `the endpoint is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}; enable it first (PATCH enabled: true)`,
      );
    }
    return endpoint;
  }

  return {
    /** Creates an endpoint; the answer holds the signing secret, shown this once only. */
    async create(user: User, input: NewWebhook): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      const url = await guard(input.url, policy);
      const secret = generateSecret();
      const endpoint = await endpoints.insertWithinCap(
        {
          id: randomUUID(),
          userId: user.id,
          url: url.href,
          events: unique(input.events ?? [...WEBHOOK_EVENT_TYPES]),
          description: input.description ?? null,
          secret,
        },
        deps.maxEndpointsPerUser,
      );
      if (!endpoint) {
        throw new WebhookLimitError(
          `you already have ${deps.maxEndpointsPerUser} webhook endpoints, the most allowed; delete one first`,
        );
      }
      return { endpoint, secret };
    },

    list: (user: User) => endpoints.listForUser(user.id),
    get: owned,

    async update(user: User, id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
      const url = patch.url === undefined ? undefined : (await guard(patch.url, policy)).href;
      const events = patch.events === undefined ? undefined : unique(patch.events);
      const updated = await endpoints.update(id, user.id, { ...patch, url, events });
      if (!updated) {
        throw new NotFoundError('webhook endpoint not found');
      }
      return updated;
    },

    async delete(user: User, id: string): Promise<void> {
      if (!(await endpoints.delete(id, user.id))) {
        throw new NotFoundError('webhook endpoint not found');
      }
    },

    /** A new secret; the previous one keeps signing alongside it for the overlap. */
    async rotateSecret(user: User, id: string): Promise<{ secret: string; previousSecretExpiresAt: Date }> {
      const secret = generateSecret();
      if (!(await endpoints.rotateSecret(id, user.id, secret, deps.secretOverlapMs))) {
        throw new NotFoundError('webhook endpoint not found');
      }
      return { secret, previousSecretExpiresAt: new Date(Date.now() + deps.secretOverlapMs) };
    },

    /** Queues a `webhook.test` event, due now; returns its delivery id (the `webhook-id`). */
    async sendTest(user: User, id: string): Promise<string> {
      const endpoint = await enabled(user, id);
      return deliveries.enqueueTest(endpoint.id, {
        endpointId: endpoint.id,
        message: 'a test event from Batchport; verify its signature like any other',
      });
    },

    async listDeliveries(
      user: User,
      id: string,
      query: { state?: DeliveryState | undefined; cursor?: string | undefined; limit: number },
    ): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
      await owned(user, id);
      return deliveries.listForEndpoint(id, query);
    },

    /** Sends one delivery again now: same `webhook-id`, a new timestamp and signature. */
    async replay(user: User, id: string, deliveryId: string): Promise<WebhookDelivery> {
      await enabled(user, id);
      if (!(await deliveries.replay(id, deliveryId))) {
        throw new NotFoundError('delivery not found');
      }
      const delivery = await deliveries.findForEndpoint(id, deliveryId);
      if (!delivery) {
        throw new NotFoundError('delivery not found'); // the endpoint was deleted meanwhile
      }
      return delivery;
    },

    /** Replays every failed delivery created at or after `since`. */
    async replayFailedSince(user: User, id: string, since: Date): Promise<number> {
      await enabled(user, id);
      return deliveries.replayFailedSince(id, since);
    },
  };
}

function unique(events: WebhookEventType[]): WebhookEventType[] {
  return [...new Set(events)];
}
