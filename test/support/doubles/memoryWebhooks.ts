/* eslint-disable @typescript-eslint/require-await -- the doubles keep the repositories' async signatures without doing I/O */
import { randomUUID } from 'node:crypto';
import type { WebhookDelivery, WebhookEndpoint } from '../../../src/domain/webhook.js';
import type { WebhookDeliveryRepository } from '../../../src/repositories/webhookDeliveryRepository.js';
import {
  decodeDeliveryCursor,
  encodeDeliveryCursor,
} from '../../../src/repositories/webhookDeliveryCursor.js';
import type { WebhookEndpointRepository } from '../../../src/repositories/webhookEndpointRepository.js';
import { createWebhookService } from '../../../src/services/webhookService.js';
import { checkTargetUrl } from '../../../src/webhooks/targetGuard.js';
import { strictDouble } from './strictDouble.js';

interface StoredEndpoint extends WebhookEndpoint {
  secret: string;
  previousSecret: string | null;
}

/**
 * In-memory stand-ins for the two webhook repositories, sharing one state a test can seed and
 * inspect, and the real webhook service over them. DNS is not consulted: the target check is
 * the real URL check (scheme, credentials) with every host taken as public.
 */
export function createMemoryWebhooks(options: { maxEndpointsPerUser?: number } = {}) {
  const endpoints = new Map<string, StoredEndpoint>();
  const deliveries = new Map<string, WebhookDelivery>();
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const tick = () => new Date((clock += 1000));

  const endpointRepository = strictDouble<WebhookEndpointRepository>('webhookEndpointRepository', {
    async insertWithinCap(e, cap) {
      if ([...endpoints.values()].filter((x) => x.userId === e.userId).length >= cap) {
        return null;
      }
      const at = tick();
      const stored: StoredEndpoint = {
        ...e,
        enabled: true,
        disabledReason: null,
        previousSecret: null,
        createdAt: at,
        updatedAt: at,
      };
      endpoints.set(e.id, stored);
      return view(stored);
    },
    async listForUser(userId) {
      return [...endpoints.values()].filter((e) => e.userId === userId).map(view);
    },
    async findForUser(id, userId) {
      const e = endpoints.get(id);
      return e && e.userId === userId ? view(e) : null;
    },
    async update(id, userId, patch) {
      const e = endpoints.get(id);
      if (!e || e.userId !== userId) {
        return null;
      }
      Object.assign(e, {
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.events !== undefined && { events: patch.events }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.enabled !== undefined && { enabled: patch.enabled, disabledReason: null }),
        updatedAt: tick(),
      });
      return view(e);
    },
    async delete(id, userId) {
      const e = endpoints.get(id);
      return e !== undefined && e.userId === userId && endpoints.delete(id);
    },
    async rotateSecret(id, userId, secret) {
      const e = endpoints.get(id);
      if (!e || e.userId !== userId) {
        return false;
      }
      e.previousSecret = e.secret;
      e.secret = secret;
      return true;
    },
  });

  const deliveryRepository = strictDouble<WebhookDeliveryRepository>('webhookDeliveryRepository', {
    async enqueueTest(endpointId) {
      const at = tick();
      const id = randomUUID();
      deliveries.set(id, {
        id,
        endpointId,
        eventType: 'webhook.test',
        batchId: null,
        state: 'pending',
        nextAttemptAt: at,
        occurredAt: at,
        deliveredAt: null,
        createdAt: at,
        attempts: [],
      });
      return id;
    },
    async listForEndpoint(endpointId, { state, cursor, limit }) {
      const after = cursor === undefined ? null : decodeDeliveryCursor(cursor);
      const all = [...deliveries.values()]
        .filter((d) => d.endpointId === endpointId && (state === undefined || d.state === state))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .filter((d) => after === null || d.createdAt.getTime() < after.createdAt.getTime());
      const page = all.slice(0, limit);
      const last = page[page.length - 1];
      return {
        deliveries: page,
        nextCursor: all.length > limit && last ? encodeDeliveryCursor(last.createdAt, last.id) : null,
      };
    },
    async findForEndpoint(endpointId, id) {
      const d = deliveries.get(id);
      return d && d.endpointId === endpointId ? d : null;
    },
    async replay(endpointId, id) {
      const d = deliveries.get(id);
      if (!d || d.endpointId !== endpointId) {
        return false;
      }
      Object.assign(d, { state: 'pending', nextAttemptAt: tick() });
      return true;
    },
    async replayFailedSince(endpointId, since) {
      let n = 0;
      for (const d of deliveries.values()) {
        if (d.endpointId === endpointId && d.state === 'failed' && d.createdAt >= since) {
          Object.assign(d, { state: 'pending', nextAttemptAt: tick() });
          n += 1;
        }
      }
      return n;
    },
  });

  const service = createWebhookService({
    endpoints: endpointRepository,
    deliveries: deliveryRepository,
    policy: { allowPrivate: false, allowHttp: false },
    maxEndpointsPerUser: options.maxEndpointsPerUser ?? 10,
    secretOverlapMs: 24 * 3_600_000,
    checkTarget: async (url, policy) => checkTargetUrl(url, policy),
  });

  return { endpoints, deliveries, service, repositories: { endpointRepository, deliveryRepository } };
}

function view(e: StoredEndpoint): WebhookEndpoint {
  const { secret: _secret, previousSecret: _previous, ...shown } = e;
  return { ...shown, events: [...e.events] };
}
