import type { FastifyInstance } from 'fastify';
import type { Deps } from './composition.js';
import { buildApp } from './http/app.js';
import type { ReadinessCheck } from './http/routes/healthRoutes.js';
import { createAuthService } from './services/authService.js';
import { createBatchService } from './services/batchService.js';
import { createBatchUploadService } from './services/batchUploadService.js';

/**
 * What /readyz checks: every dependency the process was configured with, named after the system
 * (`seaweedfs` or `local-storage`, `cassandra` or `postgres-records`) so an operator sees which.
 */
export function readinessChecks(deps: Deps): Record<string, ReadinessCheck> {
  return {
    postgres: () => deps.batchRepository.ping(),
    redis: async () => void (await deps.redis.ping()),
    [deps.storage.kind === 's3' ? 'seaweedfs' : 'local-storage']: () => deps.storage.ping(),
    [deps.records.kind === 'cassandra' ? 'cassandra' : 'postgres-records']: () => deps.records.ping(),
  };
}

/** Wires the HTTP app from the shared dependencies (used by the API entry point and tests). */
export function buildApiApp(deps: Deps): Promise<FastifyInstance> {
  const { config, logger, batchRepository, batchDeletionRepository, storage, records, queue, cleanup } = deps;
  return buildApp({
    logger,
    metrics: deps.metrics,
    rateLimitRedis: deps.redis,
    authService: createAuthService(config.auth),
    batchService: createBatchService({ batchRepository, batchDeletionRepository, records, queue, cleanup }),
    batchUploadService: createBatchUploadService({
      batchRepository,
      storage,
      queue,
      logger,
      maxFileSize: config.limits.maxFileSize,
    }),
    readiness: readinessChecks(deps),
    limits: config.limits,
    requestTimeoutMs: config.http.requestTimeoutMs,
  });
}
