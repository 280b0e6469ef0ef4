import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RateLimitedError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuthService } from '../services/authService.js';
import type { BatchService } from '../services/batchService.js';
import type { BatchUploadService } from '../services/batchUploadService.js';
import { batchController } from './controllers/batchController.js';
import { registerAuthentication } from './plugins/authentication.js';
import { registerErrorHandling } from './plugins/errorHandler.js';
import { registerRequestMetrics } from './plugins/requestMetrics.js';
import { cutOffSlowBodies } from './plugins/slowBodyTimeout.js';
import { registerHealthRoutes, type ReadinessCheck } from './routes/healthRoutes.js';

export interface AppDeps {
  logger: Logger;
  authService: AuthService;
  batchService: BatchService;
  batchUploadService: BatchUploadService;
  rateLimitRedis: Redis;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
  limits: { maxFileSize: number; rateLimitPerMinute: number; uploadRateLimitPerMinute: number };
  /** Time allowed to receive a whole request (HTTP_REQUEST_TIMEOUT_MS); default 120 s. */
  requestTimeoutMs?: number;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** Builds the HTTP app without listening, so tests drive it with `inject` or a real socket. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // The TypeBox-typed instance is a FastifyInstance; callers only need the plain type.
  const app: unknown = await buildTypedApp(deps);
  return app as FastifyInstance;
}

async function buildTypedApp(deps: AppDeps) {
  const requestTimeoutMs = deps.requestTimeoutMs ?? 120_000;
  const app = Fastify({
    // pino's own Logger type is wider than Fastify's view of it; the instance is the same.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    // Accept a caller's request id when it is sane, so logs correlate across services.
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID_RE.test(header) ? header : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Slow or endless uploads cannot hold a connection forever: Node answers 408 and closes the
    // socket once the whole request has not arrived within requestTimeout. Node only checks every
    // connectionsCheckingInterval (30 s by default), so check often enough for the limit to hold.
    requestTimeout: requestTimeoutMs,
    connectionTimeout: requestTimeoutMs + 10_000,
    http: { connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))) },
    keepAliveTimeout: 10_000,
    routerOptions: { maxParamLength: 200 },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('user', null);
  cutOffSlowBodies(app, requestTimeoutMs);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  registerRequestMetrics(app, deps.metrics);

  registerErrorHandling(app, deps.limits.maxFileSize);
  await app.register(helmet, {
    // The Swagger UI at /docs needs inline scripts/styles; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Batchport API',
        version: '1.0.0',
        description: 'Upload contact files and follow them until they are queryable records.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { tags: ['docs'] } }, () => app.swagger());

  registerHealthRoutes(app, deps.readiness, deps.metrics.registry);

  await app.register(
    async (api) => {
      registerAuthentication(api, deps.authService);
      await api.register(rateLimit, {
        // After authentication, so limits are per user rather than per IP.
        hook: 'preHandler',
        max: deps.limits.rateLimitPerMinute,
        timeWindow: '1 minute',
        redis: deps.rateLimitRedis,
        nameSpace: 'batchport-ratelimit:',
        // A Redis outage must not take the API down with it; requests pass unlimited meanwhile.
        skipOnError: true,
        keyGenerator: (request) => request.user?.id ?? request.ip,
        // Thrown into the one error handler, so 429 has the same shape as every other error.
        errorResponseBuilder: (_request, context) =>
          new RateLimitedError(`too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
      });
      await api.register(multipart, {
        throwFileSizeLimit: true,
        limits: {
          // One byte over the limit lets the upload meter tell "exactly the limit" from "over".
          fileSize: deps.limits.maxFileSize + 1,
          files: 2,
          fields: 4,
          parts: 6,
          fieldSize: 1024,
          fieldNameSize: 100,
          headerPairs: 50,
        },
      });
      await api.register(batchController, {
        prefix: '/batches',
        batchService: deps.batchService,
        batchUploadService: deps.batchUploadService,
        maxFileSize: deps.limits.maxFileSize,
        uploadRateLimitPerMinute: deps.limits.uploadRateLimitPerMinute,
        metrics: deps.metrics,
      });
    },
    { prefix: '/api' },
  );

  return app;
}
