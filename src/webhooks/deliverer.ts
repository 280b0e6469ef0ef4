import type { Logger } from 'pino';
import type { WebhookConfig } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type {
  ClaimedDelivery,
  WebhookDeliveryRepository,
} from '../repositories/webhookDeliveryRepository.js';
import { renderEventBody } from './eventBody.js';
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
 * The delivery log's retention: every PRUNE_INTERVAL_MS (and once at start) a deliverer removes
 * finished deliveries past `deliveryRetentionMs`, PRUNE_PAGE at a time and at most
 * PRUNE_PAGES per round, so one round is a bounded amount of work however far behind it is.
 */
const PRUNE_INTERVAL_MS = 10 * 60_000;
const PRUNE_PAGE = 1_000;
const PRUNE_PAGES = 20;

/** One round of the retention; returns how many deliveries it removed. */
export async function pruneDeliveryLog(
  deliveries: Pick<WebhookDeliveryRepository, 'removeFinishedBefore'>,
  retentionMs: number,
  stopped: () => boolean = () => false,
): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs);
  let removed = 0;
  for (let page = 0; page < PRUNE_PAGES && !stopped(); page++) {
    const n = await deliveries.removeFinishedBefore(cutoff, PRUNE_PAGE);
    removed += n;
    if (n < PRUNE_PAGE) {
      break;
    }
  }
  return removed;
}

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
  let pruning: Promise<void> | null = null;
  const prune = () => {
    pruning ??= pruneDeliveryLog(deps.deliveries, config.deliveryRetentionMs, () => closing)
      .then((removed) => {
        if (removed > 0) {
          logger.info({ removed }, 'removed finished webhook deliveries past their retention');
        }
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'removing old webhook deliveries failed'))
      .finally(() => {
        pruning = null;
      });
  };
  const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
  poll.unref();
  sample.unref();
  pruneTimer.unref();
  kick();
  prune();
  logger.info(
    { concurrency: config.concurrency, perEndpoint: config.perEndpointConcurrency },
    'webhook deliverer started',
  );

  return {
    async close() {
      closing = true;
      clearInterval(poll);
      clearInterval(sample);
      clearInterval(pruneTimer);
      await claiming;
      await pruning;
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
