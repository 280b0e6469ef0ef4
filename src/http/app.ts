import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import errorHandler from './plugins/errorHandler.js';
import openApi from './plugins/openApi.js';
import requestIdHeader from './plugins/requestIdHeader.js';
import requestMetrics from './plugins/requestMetrics.js';
import securityHeaders from './plugins/securityHeaders.js';
import slowBodyTimeout from './plugins/slowBodyTimeout.js';
import { apiRoutes, type ApiRoutesOptions } from './routes/apiRoutes.js';
import { healthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';
import { serverOptions } from './serverOptions.js';

export interface AppOptions extends ApiRoutesOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
  /** Time allowed to receive a whole request (HTTP_REQUEST_TIMEOUT_MS); default 120 s. */
  requestTimeoutMs?: number | undefined;
}
/** The former name of AppOptions. */
export type AppDeps = AppOptions;

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/**
 * Builds the HTTP app without listening, so tests drive it with `inject` or a real socket. The
 * app is a tree of plugins: app-wide concerns (wrapped with fastify-plugin) first, then the
 * public health and docs routes, then the authenticated /api scope.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify(serverOptions(opts.logger, timeoutMs));
  await app.register(slowBodyTimeout, { timeoutMs });
  await app.register(requestIdHeader);
  await app.register(requestMetrics, { metrics: opts.metrics });
  await app.register(errorHandler, { maxFileSize: opts.limits.maxFileSize });
  await app.register(securityHeaders);
  await app.register(openApi);
  await app.register(healthRoutes, { readiness: opts.readiness, registry: opts.metrics.registry });
  await app.register(apiRoutes, { ...opts, prefix: '/api' });
  return app;
}
