import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpsApp } from '../../../src/http/opsApp.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

const readiness = {
  postgres: () => Promise.resolve(),
  redis: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379')),
};

/** The same health plugin serves the API app and the worker's ops app. */
describe.each([
  ['API app', async () => (await build({ readiness })).app, {}],
  [
    'worker ops app',
    () => buildOpsApp({ logger: pino({ level: 'silent' }), metrics: createMetrics('worker'), readiness }),
    // Only the ops listener shows counters (jobs left for a worker with another store).
    { details: { foreignStoreJobs: 0 } },
  ],
])('health routes of the %s', (_name, make: () => Promise<FastifyInstance>, details) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await make();
  });
  afterAll(async () => {
    await app.close();
  });

  it('/healthz says ok', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 503 naming the dependency that is down, without its address', async () => {
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { postgres: 'up', redis: 'down' },
      ...details,
      error: { code: 'dependency_unavailable', message: 'not ready: redis down' },
      requestId: expect.stringMatching(/^\S+$/) as unknown,
    });
    expect(res.body).not.toContain('10.0.0.7');
  });
});

describe('/metrics lives on the ops listener only', () => {
  it('the ops app serves the Prometheus text format, not to be cached', async () => {
    const ops = await buildOpsApp({
      logger: pino({ level: 'silent' }),
      metrics: createMetrics('api'),
      readiness,
    });
    const res = await ops.inject({ url: '/metrics' });
    await ops.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('# TYPE batchport_http_requests_total counter');
  });

  it('the API app answers 404 there (process details and route counts stay private)', async () => {
    const t = await build({ readiness });
    const res = await t.app.inject({ url: '/metrics' });
    await t.app.close();
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('batchport_');
  });
});

describe('readiness when every dependency answers, metrics and the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await build({ readiness: { postgres: () => Promise.resolve() } });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('/readyz is 200 with each check up', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: 'up' } });
  });

  it('counts answers by route template and status', async () => {
    await t.app.inject({ url: '/api/batches/stats', headers: bearer(await tokenFor('m')) });
    const ops = await buildOpsApp({
      logger: pino({ level: 'silent' }),
      metrics: t.options.metrics,
      readiness: {},
    });
    const metrics = (await ops.inject({ url: '/metrics' })).body;
    await ops.close();
    expect(metrics).toMatch(
      /batchport_http_requests_total\{method="GET",route="\/api\/batches\/stats",status="200",role="api"\} 1/,
    );
  });

  it('sends security headers and echoes a sane request id, replacing an unsafe one', async () => {
    const sane = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(sane.headers['x-request-id']).toBe('abc-123');
    expect(sane.headers['x-content-type-options']).toBe('nosniff');
    const probe = await t.app.inject({ url: '/api/nowhere', headers: { 'x-request-id': 'probe-1' } });
    expect(probe.json<{ requestId: string }>().requestId).toBe('probe-1');
    const unsafe = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('documents every route with response schemas; public routes need no token', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    }>();
    const publicRoutes = ['/healthz', '/readyz', '/openapi.json'];
    for (const path of publicRoutes) {
      expect(doc.paths[path]?.['get']?.security, path).toEqual([]);
      expect(Object.keys(doc.paths[path]?.['get']?.responses ?? {}), path).toContain('200');
    }
    const apiOperations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ name: `${method} ${path}`, op })),
      );
    expect(apiOperations.map((o) => o.name).sort()).toEqual(
      [
        'delete /api/batches/{id}',
        'get /api/batches',
        'get /api/batches/events',
        'get /api/batches/recent',
        'get /api/batches/stats',
        'get /api/batches/{id}',
        'get /api/batches/{id}/errors.csv',
        'get /api/batches/{id}/invalid-rows',
        'get /api/batches/{id}/records',
        'get /api/batches/{id}/records.csv',
        'get /api/batches/{id}/records.vcf',
        'get /api/batches/{id}/status',
        'post /api/batches/preview',
        'post /api/batches/upload',
        'post /api/batches/{id}/fixes',
        'post /api/batches/{id}/reprocess',
        'post /api/batches/{id}/preview',
        'post /api/batches/{id}/retry',
        'get /api/batches/{id}/records.ndjson',
        'get /api/webhooks',
        'post /api/webhooks',
        'get /api/webhooks/{id}',
        'patch /api/webhooks/{id}',
        'delete /api/webhooks/{id}',
        'post /api/webhooks/{id}/rotate-secret',
        'post /api/webhooks/{id}/test',
        'get /api/webhooks/{id}/deliveries',
        'post /api/webhooks/{id}/deliveries/{deliveryId}/replay',
        'post /api/webhooks/{id}/replay',
        'get /api/mappings',
        'delete /api/mappings/{id}',
      ].sort(),
    );
    for (const { name, op } of apiOperations) {
      expect(op.security, name).toBeUndefined(); // inherits the document's bearerAuth
      expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['401', '404', '500', '503']));
    }
  });
});
