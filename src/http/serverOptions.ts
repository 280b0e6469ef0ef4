import type { FastifyBaseLogger, FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** Fastify's own server options for the API: logging, request ids, limits and timeouts. */
export function serverOptions(
  logger: FastifyBaseLogger,
  requestTimeoutMs: number,
): FastifyHttpOptions<Server, FastifyBaseLogger> & { loggerInstance: FastifyBaseLogger } {
  return {
    loggerInstance: logger,
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
  };
}
