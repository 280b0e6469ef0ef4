import type { Components } from './composition.js';
import type { AppDeps } from './http/app.js';
import type { ReadinessCheck } from './http/routes/healthRoutes.js';

/**
 * What /readyz checks: every dependency the process was configured with, named after the system
 * (`seaweedfs` or `local-storage`, `cassandra` or `postgres-records`) so an operator sees which.
 */
export function readinessChecks(
  c: Pick<Components, 'batchRepository' | 'redis' | 'storage' | 'records'>,
): Record<string, ReadinessCheck> {
  return {
    postgres: () => c.batchRepository.ping(),
    redis: async () => void (await c.redis.ping()),
    [c.storage.kind === 's3' ? 'seaweedfs' : 'local-storage']: () => c.storage.ping(),
    [c.records.kind === 'cassandra' ? 'cassandra' : 'postgres-records']: () => c.records.ping(),
  };
}

/** The API role's slice of the components: what `buildApp` takes, and nothing more. */
export function apiAppOptions(c: Components): AppDeps {
  return {
    logger: c.logger,
    metrics: c.metrics,
    rateLimitRedis: c.redis,
    redisKeyPrefix: c.config.redisKeyPrefix,
    authService: c.authService,
    batchService: c.batchService,
    batchUploadService: c.batchUploadService,
    previewService: c.previewService,
    webhookService: c.webhookService,
    batchFixService: c.batchFixService,
    savedMappingService: c.savedMappingService,
    readiness: readinessChecks(c),
    limits: c.config.limits,
    requestTimeoutMs: c.config.http.requestTimeoutMs,
    trustProxy: c.config.http.trustProxy,
    events: { source: c.eventHub, ...c.config.events },
    devToken: devTokenOptions(c.config),
  };
}

/** The dev sign-in route's settings, or undefined where it must not exist (config.auth.devSignIn). */
export function devTokenOptions(config: Components['config']): AppDeps['devToken'] {
  const { secret, issuer, audience, maxAgeSeconds, devSignIn } = config.auth;
  return devSignIn && secret ? { signing: { secret, issuer, audience }, maxAgeSeconds } : undefined;
}
