import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { registerHealthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';

/**
 * The worker role has no API, but it still needs probes and a scrape target: this small server
 * answers /healthz, /readyz and /metrics for the worker process.
 */
export async function buildOpsApp(deps: {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
  });
  registerHealthRoutes(app, deps.readiness, deps.metrics.registry);
  await app.ready();
  return app;
}
