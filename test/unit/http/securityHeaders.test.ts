import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/** Issue #14: no answer of the API may be cached; inline scripts only for the Swagger UI. */
describe('Cache-Control and Content-Security-Policy', () => {
  let t: TestApp;
  let token: string;
  let batchId: string;
  beforeAll(async () => {
    t = await build();
    token = await tokenFor('owner');
    const form = multipart([{ name: 'file', filename: 'c.csv', content: 'email\nx@example.com\n' }]);
    const upload = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      payload: form.payload,
      headers: { ...form.headers, ...bearer(token) },
    });
    expect(upload.statusCode).toBe(201);
    batchId = upload.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('marks every /api answer no-store: data, CSV downloads, errors, 401 and unknown /api paths', async () => {
    const auth = bearer(token);
    const answers = await Promise.all([
      t.app.inject({ url: '/api/batches/stats', headers: auth }),
      t.app.inject({ url: `/api/batches/${batchId}`, headers: auth }),
      t.app.inject({ url: `/api/batches/${batchId}/records`, headers: auth }),
      t.app.inject({ url: `/api/batches/${batchId}/errors.csv`, headers: auth }),
      t.app.inject({ url: '/api/batches/2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d', headers: auth }),
      t.app.inject({ url: '/api/batches/stats' }),
      t.app.inject({ url: '/api/nowhere', headers: auth }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 404, 401, 404]);
    for (const res of answers) {
      expect(res.headers['cache-control'], `${res.statusCode} ${res.body.slice(0, 80)}`).toBe('no-store');
    }
  });

  it('allows no script, style or frame on API answers', async () => {
    for (const url of ['/api/batches/stats', '/healthz', '/openapi.json']) {
      const csp = String((await t.app.inject({ url })).headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'none'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toContain('unsafe-inline');
    }
  });

  it("keeps 'unsafe-inline' for the Swagger UI at /docs only", async () => {
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
  });
});
