import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { MULTIPART_OVERHEAD_BYTES } from './controllers/uploadController.js';
import errorHandler from './plugins/errorHandler.js';
import lingeringClose from './plugins/lingeringClose.js';
import methodNotAllowed from './plugins/methodNotAllowed.js';
import openApi from './plugins/openApi.js';
import requestIdHeader from './plugins/requestIdHeader.js';
import requestMetrics from './plugins/requestMetrics.js';
import securityHeaders from './plugins/securityHeaders.js';
import slowBodyTimeout from './plugins/slowBodyTimeout.js';
import { devTokenController, type DevTokenOptions } from './controllers/devTokenController.js';
import webApp, { DEFAULT_WEB_ROOT } from './plugins/webApp.js';
import { apiRoutes, DEFAULT_REDIS_KEY_PREFIX, type ApiRoutesOptions } from './routes/apiRoutes.js';
import { healthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';
import { serverOptions } from './serverOptions.js';
import { requestValidatorCompiler } from './validation.js';

export interface AppOptions extends ApiRoutesOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
  /** Time allowed to receive a whole request (HTTP_REQUEST_TIMEOUT_MS); default 120 s. */
  requestTimeoutMs?: number | undefined;
  /** Proxies whose X-Forwarded-For gives the client address (TRUST_PROXY); default none. */
  trustProxy?: string[] | undefined;
  /** POST /api/dev/token, only when the development secret is in use (never in production). */
  devToken?: Omit<DevTokenOptions, 'redis' | 'limitPerMinute' | 'redisKeyPrefix'> | undefined;
  /** The folder holding the built web page; default dist/web (npm run build). */
  webRoot?: string | undefined;
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
  const app = Fastify(serverOptions(opts.logger, timeoutMs, opts.trustProxy));
  app.setValidatorCompiler(requestValidatorCompiler());
  await app.register(slowBodyTimeout, { timeoutMs });
  // A refused upload up to twice the file limit still gets its answer (plugins/lingeringClose.ts).
  const lingerBytes = 2 * (opts.limits.maxFileSize + MULTIPART_OVERHEAD_BYTES);
  await app.register(lingeringClose, { maxBytes: lingerBytes, timeoutMs });
  await app.register(requestIdHeader);
  await app.register(requestMetrics, { metrics: opts.metrics });
  await app.register(errorHandler, { maxFileSize: opts.limits.maxFileSize });
  await app.register(methodNotAllowed);
  await app.register(securityHeaders);
  await app.register(openApi);
  await app.register(healthRoutes, { readiness: opts.readiness });
  if (opts.devToken) {
    // Beside the authenticated scope, not in it: its callers have no token yet.
    const limits = {
      limitPerMinute: opts.limits.rateLimitPerMinute,
      redis: opts.rateLimitRedis,
      redisKeyPrefix: opts.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX,
    };
    await app.register(devTokenController, { ...opts.devToken, ...limits, prefix: '/api/dev' });
  }
  await app.register(apiRoutes, { ...opts, prefix: '/api' });
  await app.register(webApp, {
    root: opts.webRoot ?? DEFAULT_WEB_ROOT,
    maxFileSize: opts.limits.maxFileSize,
    devSignIn: opts.devToken !== undefined,
  });
  return app;
}
