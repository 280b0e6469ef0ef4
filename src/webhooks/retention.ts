import type { Logger } from 'pino';
import type { WebhookDeliveryRepository } from '../repositories/webhookDeliveryRepository.js';

type Deliveries = Pick<WebhookDeliveryRepository, 'removeFinishedBefore'>;

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
  deliveries: Deliveries,
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
 * Runs pruneDeliveryLog at once and then every PRUNE_INTERVAL_MS, one round at a time; a failed
 * round is logged and the next one tries again. `close` stops the timer and waits for a round in
 * progress, which stops after its current page.
 */
export function startRetention(
  deliveries: Deliveries,
  retentionMs: number,
  logger: Logger,
): { close(): Promise<void> } {
  let closing = false;
  let pruning: Promise<void> | null = null;
  const prune = () => {
    pruning ??= pruneDeliveryLog(deliveries, retentionMs, () => closing)
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
  const timer = setInterval(prune, PRUNE_INTERVAL_MS);
  timer.unref();
  prune();
  return {
    async close() {
      closing = true;
      clearInterval(timer);
      await pruning;
    },
  };
}
