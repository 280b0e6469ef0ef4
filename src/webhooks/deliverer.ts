import type { Logger } from 'pino';
import type { WebhookConfig } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type {
  ClaimedDelivery,
  WebhookDeliveryRepository,
} from '../repositories/webhookDeliveryRepository.js';
import { renderEventBody } from './eventBody.js';
import { startRetention } from './retention.js';
import { nextStep } from './retryPolicy.js';
import { sendWebhook, type SendResult } from './sender.js';
import { webhookHeaders } from './signing.js';

export interface DelivererDeps {
  deliveries: Pick<
    WebhookDeliveryRepository,
    'claim' | 'recordAttempt' | 'pendingSummary' | 'removeFinishedBefore'
  >;
  metrics: Metrics;
  logger: Logger;
  config: WebhookConfig;
}

export interface RunningDeliverer {
  /** Stops claiming and waits for the attempts in flight (their leases cover a hard stop). */
  close(): Promise<void>;
}

/** How often the pending count and the oldest pending age are sampled for /metrics. */
const SAMPLE_INTERVAL_MS = 5_000;

/**
 * The deliverer: claims due deliveries (leased, FOR UPDATE SKIP LOCKED, at most
 * `perEndpointConcurrency` per endpoint), sends each once, records the attempt and what follows.
 * Runs in the worker role; several processes share the outbox safely. Attempts run side by side
 * up to `concurrency`, so a slow endpoint holds only its own few slots.
 */
export function startDeliverer(deps: DelivererDeps): RunningDeliverer {
  const { config, logger } = deps;
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  let claiming: Promise<void> | null = null;

  async function claimRound(): Promise<void> {
    for (;;) {
      const room = config.concurrency - inFlight.size;
      if (closing || room <= 0) {
        return;
      }
      const claimed = await deps.deliveries.claim(room, config.perEndpointConcurrency, config.leaseMs);
      for (const delivery of claimed) {
        const attempt: Promise<void> = deliver(deps, delivery)
          .catch((error: unknown) =>
            logger.warn({ err: error, delivery: delivery.id }, 'webhook attempt not recorded'),
          )
          .finally(() => {
            inFlight.delete(attempt);
            kick(); // a freed slot may take the next due delivery at once
          });
        inFlight.add(attempt);
      }
      if (claimed.length < room) {
        return; // nothing more is due
      }
    }
  }

  function kick(): void {
    if (claiming || closing) {
      return;
    }
    claiming = claimRound()
      .catch((error: unknown) => logger.warn({ err: error }, 'claiming webhook deliveries failed'))
      .finally(() => {
        claiming = null;
      });
  }

  const poll = setInterval(kick, config.pollIntervalMs);
  const sample = setInterval(() => {
    deps.deliveries
      .pendingSummary()
      .then(({ pending, oldestAgeSeconds }) => {
        deps.metrics.webhookPending.set(pending);
        deps.metrics.webhookOldestPendingAge.set(oldestAgeSeconds);
      })
      .catch(() => undefined); // an outage shows in the other metrics; the next sample retries
  }, SAMPLE_INTERVAL_MS);
  poll.unref();
  sample.unref();
  kick();
  // The delivery log's retention runs beside the deliverer, in the same worker role.
  const retention = startRetention(deps.deliveries, config.deliveryRetentionMs, logger);
  logger.info(
    { concurrency: config.concurrency, perEndpoint: config.perEndpointConcurrency },
    'webhook deliverer started',
  );

  return {
    async close() {
      closing = true;
      clearInterval(poll);
      clearInterval(sample);
      await retention.close();
      await claiming;
      await Promise.all(inFlight);
    },
  };
}

/** One attempt: render, sign (new timestamp, same id), send, decide, record. */
async function deliver(deps: DelivererDeps, delivery: ClaimedDelivery): Promise<void> {
  const { config, metrics } = deps;
  const body = renderEventBody(delivery.eventType, delivery.occurredAt, delivery.data, config.publicUrl);
  const attemptedAt = new Date();
  const headers = webhookHeaders(
    delivery.id,
    Math.floor(attemptedAt.getTime() / 1000),
    body,
    delivery.secrets,
  );
  const result: SendResult = await sendWebhook(delivery.url, headers, body, {
    timeoutMs: config.timeoutMs,
    policy: { allowPrivate: config.allowPrivateTargets, allowHttp: config.allowHttp },
  });
  const step = nextStep(result, delivery.roundAttempts, config.retryScheduleMs, new Date());
  metrics.webhookAttemptDuration.observe(result.durationMs / 1000);
  metrics.webhookDeliveries.inc({
    outcome: step.disableReason ? 'disabled' : step.state === 'pending' ? 'retrying' : step.state,
  });
  await deps.deliveries.recordAttempt(
    delivery,
    {
      attempt: {
        attemptedAt,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: result.durationMs,
        response: result.response,
      },
      ...step,
    },
    config.disableAfterMs,
  );
}
