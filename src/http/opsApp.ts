import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { healthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';

/**
 * The operations listener: /healthz, /readyz and /metrics. The worker role serves it on
 * WORKER_HTTP_PORT; the API role on OPS_HOST:OPS_PORT (loopback by default), because /metrics
 * shows process details and per-route counts that the public API listener must not.
 */
export async function buildOpsApp(deps: {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
}): Promise<FastifyInstance> {
  // Typed as Fastify's logger view so the instance is a plain FastifyInstance (pino satisfies it).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  // Probes and scrapes every few seconds would drown the log; failures still log as errors.
  const app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }) });
  const { foreignStoreRecent } = deps.metrics;
  await app.register(healthRoutes, {
    readiness: deps.readiness,
    details: () => ({ foreignStoreJobs: foreignStoreRecent.count() }),
  });
  const { registry } = deps.metrics;
  app.get('/metrics', async (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics()),
  );
  await app.ready();
  return app;
}
