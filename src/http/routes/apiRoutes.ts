import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { AuthService } from '../../services/authService.js';
import type { BatchService } from '../../services/batchService.js';
import type { BatchUploadService } from '../../services/batchUploadService.js';
import type { PreviewService } from '../../services/previewService.js';
import type { WebhookService } from '../../services/webhookService.js';
import type { BatchFixService } from '../../services/fixes/batchFixService.js';
import { batchController } from '../controllers/batchController.js';
import { batchListController } from '../controllers/batchListController.js';
import { eventsController, type EventStreamSettings } from '../controllers/eventsController.js';
import { exportController } from '../controllers/exportController.js';
import { fixesController } from '../controllers/fixesController.js';
import { mappingsController, type MappingsControllerOptions } from '../controllers/mappingsController.js';
import { previewController } from '../controllers/previewController.js';
import { recordsController } from '../controllers/recordsController.js';
import { reprocessController } from '../controllers/reprocessController.js';
import { storedPreviewController } from '../controllers/storedPreviewController.js';
import { uploadController } from '../controllers/uploadController.js';
import { webhookController } from '../controllers/webhookController.js';
import authentication from '../plugins/authentication.js';
import { classifiedRedisStore } from '../plugins/rateLimitStore.js';
import { MAX_OPTION_FIELD_BYTES } from '../../validators/uploadOptions.js';

/** REDIS_KEY_PREFIX's default (src/config/envSchema.ts). */
export const DEFAULT_REDIS_KEY_PREFIX = 'batchport:';

export interface ApiLimits {
  maxFileSize: number;
  rateLimitPerMinute: number;
  uploadRateLimitPerMinute: number;
  authFailureLimitPerMinute: number;
}

export interface ApiRoutesOptions {
  authService: AuthService;
  batchService: BatchService;
  batchUploadService: BatchUploadService;
  previewService: PreviewService;
  webhookService: WebhookService;
  /** Invalid rows and their fixes (issue #21). */
  batchFixService: BatchFixService;
  /** Remembered mappings (issue #21): GET/DELETE /api/mappings. */
  savedMappingService: MappingsControllerOptions['savedMappingService'];
  /** Shared rate-limit counters across API instances; absent: counted in this process's memory. */
  rateLimitRedis?: Redis | undefined;
  /** Prefix of every Redis key the limiters write (REDIS_KEY_PREFIX); default `batchport:`. */
  redisKeyPrefix?: string | undefined;
  metrics: Metrics;
  limits: ApiLimits;
  /** GET /api/batches/events: the event source and the stream limits. */
  events: EventStreamSettings;
}

/** The authenticated /api scope: authentication, then per-user rate limits, then the routes. */
export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (api, opts) => {
  const { limits } = opts;
  const redisKeyPrefix = opts.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  await api.register(authentication, {
    authService: opts.authService,
    failureLimitPerMinute: limits.authFailureLimitPerMinute,
    redis: opts.rateLimitRedis,
    redisKeyPrefix,
  });
  await api.register(rateLimit, {
    // After authentication, so limits are per user rather than per IP.
    hook: 'preHandler',
    max: limits.rateLimitPerMinute,
    timeWindow: '1 minute',
    // A Redis outage lets requests pass unlimited (logged); other Redis errors fail the request.
    ...(opts.rateLimitRedis && {
      store: classifiedRedisStore(opts.rateLimitRedis, `${redisKeyPrefix}ratelimit:`, (error) =>
        api.log.warn({ err: error }, 'rate limit counter unavailable; not limiting'),
      ),
    }),
    keyGenerator: (request) => request.user?.id ?? request.ip,
    // Thrown into the one error handler, so 429 has the same shape as every other error.
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await api.register(multipart, {
    throwFileSizeLimit: true,
    limits: {
      // One byte over the limit lets the upload meter tell "exactly the limit" from "over".
      fileSize: limits.maxFileSize + 1,
      files: 2,
      // The option fields (phoneRegion, mapping, encoding, rememberMapping) and the file, with
      // room for one more of each, which the form reader refuses with a message.
      fields: 5,
      parts: 7,
      fieldSize: MAX_OPTION_FIELD_BYTES,
      fieldNameSize: 100,
      headerPairs: 50,
    },
  });
  const { batchService, batchUploadService, metrics } = opts;
  await api.register(uploadController, {
    prefix: '/batches',
    batchUploadService,
    metrics,
    maxFileSize: limits.maxFileSize,
    uploadRateLimitPerMinute: limits.uploadRateLimitPerMinute,
  });
  await api.register(previewController, {
    prefix: '/batches',
    previewService: opts.previewService,
    maxFileSize: limits.maxFileSize,
    uploadRateLimitPerMinute: limits.uploadRateLimitPerMinute,
  });
  await api.register(batchListController, { prefix: '/batches', batchService });
  await api.register(eventsController, { prefix: '/batches', events: opts.events, metrics });
  await api.register(batchController, { prefix: '/batches', batchService });
  await api.register(recordsController, { prefix: '/batches', batchService });
  await api.register(exportController, { prefix: '/batches', batchService });
  await api.register(webhookController, { prefix: '/webhooks', webhookService: opts.webhookService });
  await api.register(fixesController, { prefix: '/batches', batchFixService: opts.batchFixService });
  await api.register(reprocessController, { prefix: '/batches', batchService });
  // The preview of a stored file, before re-reading it (issue #21).
  await api.register(storedPreviewController, {
    prefix: '/batches',
    previewService: opts.previewService,
    uploadRateLimitPerMinute: limits.uploadRateLimitPerMinute,
  });
  await api.register(mappingsController, {
    prefix: '/mappings',
    savedMappingService: opts.savedMappingService,
  });
};
