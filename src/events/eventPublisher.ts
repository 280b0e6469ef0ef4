import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { BatchEvent } from './batchEvent.js';
import { STREAM_MAX_LENGTH, STREAM_TTL_SECONDS, streamKey } from './eventStreamKeys.js';

export interface EventPublisher {
  /** Appends the event to the user's stream. Never throws: a failure is logged and counted. */
  publish(userId: string, event: BatchEvent): Promise<void>;
  /** Records a failure that happened before publishing (e.g. reading the batch to announce). */
  failed(error: unknown, batchId: string): void;
}

export interface EventPublisherDeps {
  /** A fail-fast connection: a Redis outage costs a job or an upload one refused command, no wait. */
  redis: Pick<Redis, 'multi'>;
  logger: Logger;
  metrics: Pick<Metrics, 'eventPublishFailures'>;
  /** REDIS_KEY_PREFIX: the streams are this deployment's (eventStreamKeys.ts). */
  keyPrefix: string;
}

/**
 * Writes batch changes to the owner's Redis stream (XADD, trimmed to a few hundred entries, the
 * key expiring when the user goes idle), read by every API process's event hub. Live events are
 * a convenience on top of the batch row, which stays the truth: losing one must never fail the
 * upload or the job that caused it, so errors end here.
 */
export function createEventPublisher({
  redis,
  logger,
  metrics,
  keyPrefix,
}: EventPublisherDeps): EventPublisher {
  function failed(error: unknown, batchId: string): void {
    metrics.eventPublishFailures.inc();
    logger.warn({ err: error, batchId }, 'batch event not published');
  }

  return {
    failed,
    async publish(userId, event) {
      const key = streamKey(keyPrefix, userId);
      try {
        const results = await redis
          .multi()
          .xadd(
            key,
            'MAXLEN',
            '~',
            STREAM_MAX_LENGTH,
            '*',
            'type',
            event.type,
            'data',
            JSON.stringify(event.data),
          )
          .expire(key, STREAM_TTL_SECONDS)
          .exec();
        const failure = results?.find(([error]) => error !== null)?.[0];
        if (!results || failure) {
          throw failure ?? new Error('the Redis transaction was discarded');
        }
      } catch (error) {
        failed(error, event.data.id);
      }
    },
  };
}
