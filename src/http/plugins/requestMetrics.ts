import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../observability/metrics.js';

const UPLOAD_ROUTE = '/api/batches/upload';

export interface RequestMetricsOptions {
  metrics: Metrics;
}

/** accepted (new batch), replayed (Idempotency-Key), rejected (4xx: the client's fault), failed (5xx). */
function uploadOutcome(status: number, replayed: unknown): 'accepted' | 'replayed' | 'rejected' | 'failed' {
  if (status === 201) {
    return replayed === 'true' ? 'replayed' : 'accepted';
  }
  return status >= 500 ? 'failed' : 'rejected';
}

/**
 * Counts every answer by route and status, its duration, 503s, and upload outcomes. Wrapped with
 * fastify-plugin so the hook sees every route of the app, not only its own scope.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const requestMetrics: FastifyPluginAsync<RequestMetricsOptions> = async (app, { metrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode === 503) {
      metrics.dependencyErrors.inc();
    }
    if (route === UPLOAD_ROUTE && request.method === 'POST') {
      metrics.uploads.inc({
        outcome: uploadOutcome(reply.statusCode, reply.getHeader('idempotent-replayed')),
      });
    }
  });
};

export default fp(requestMetrics, { name: 'batchport-request-metrics', fastify: '5.x' });
