import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { healthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';

/**
 * The worker role has no API, but it still needs probes and a scrape target: this small server
 * answers /healthz, /readyz and /metrics for the worker process, with the API's health plugin.
 */
export async function buildOpsApp(deps: {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
}): Promise<FastifyInstance> {
  // Typed as Fastify's logger view so the instance is a plain FastifyInstance (pino satisfies it).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance, disableRequestLogging: true });
  await app.register(healthRoutes, { readiness: deps.readiness, registry: deps.metrics.registry });
  await app.ready();
  return app;
}
