import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyHttpOptions,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { errorBody } from './schemas/errorSchemas.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** Longest path parameter the router reads (ids are 36 characters); a longer one is a 400. */
const MAX_PARAM_LENGTH = 200;

/**
 * The router's own refusals (a path parameter over MAX_PARAM_LENGTH, a malformed
 * percent-encoding) otherwise answer in Fastify's shape and echo the path back. Both are 400 in
 * the error shape, the answer every route documents for a parameter its schema refuses (a
 * 414 was undocumented in /openapi.json, and the API fuzzer flagged it).
 */
function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const message = tooLong
    ? `a path segment is too long (at most ${MAX_PARAM_LENGTH} characters)`
    : 'the path is not valid URL encoding';
  void reply
    .status(400)
    .header('x-request-id', request.id)
    .send(errorBody(request.id, 'bad_request', message));
}

/** Fastify's own server options for the API: logging, request ids, limits and timeouts. */
export function serverOptions(
  logger: FastifyBaseLogger,
  requestTimeoutMs: number,
  trustProxy: string[] = [],
): FastifyHttpOptions<Server, FastifyBaseLogger> & { loggerInstance: FastifyBaseLogger } {
  return {
    loggerInstance: logger,
    // Accept a caller's request id when it is sane, so logs correlate across services.
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID_RE.test(header) ? header : randomUUID();
    },
    // request.ip (the failed-auth limiter's key) follows X-Forwarded-For only from these proxies.
    trustProxy: trustProxy.length > 0 ? trustProxy : false,
    bodyLimit: 1024 * 1024,
    // Slow or endless uploads cannot hold a connection forever: Node answers 408 and closes the
    // socket once the whole request has not arrived within requestTimeout. Node only checks every
    // connectionsCheckingInterval (30 s by default), so check often enough for the limit to hold.
    requestTimeout: requestTimeoutMs,
    connectionTimeout: requestTimeoutMs + 10_000,
    http: { connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))) },
    keepAliveTimeout: 10_000,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerRouterError,
    // HEAD is not part of the contract (no client sends it): 405 like any other undeclared method.
    exposeHeadRoutes: false,
    // Request validation: src/http/validation.ts (set by buildApp).
  };
}
