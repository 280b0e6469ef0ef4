import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type TestApp } from '../../support/buildTestApp.js';

/** Issue #11: the built page at `/`, cached by hash, under a CSP of its own that allows nothing inline. */
describe('web app served at /', () => {
  let root: string;
  let t: TestApp;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchport-web-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Batchport</title>');
    fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1);');
    fs.writeFileSync(
      path.join(root, 'assets', 'index-abc123.js.map'),
      '{"version":3,"sourcesContent":["secret"]}',
    );
    t = await build({ webRoot: root, limits: { maxFileSize: 12345 } });
  });
  afterAll(async () => {
    await t.app.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers the page at / with no-cache and a CSP allowing only its own files', async () => {
    const page = await t.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Batchport</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('lets browsers keep hashed assets for a year', async () => {
    const asset = await t.app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('never serves source maps (the full web source), even when the build left them there', async () => {
    const map = await t.app.inject({ url: '/assets/index-abc123.js.map' });
    expect(map.statusCode).toBe(404);
    expect(map.body).not.toContain('sourcesContent');
  });

  it('gives the page the API limits from the server configuration', async () => {
    const config = await t.app.inject({ url: '/web-config.json' });
    expect(config.json()).toEqual({
      maxFileSize: 12345,
      allowedExtensions: ['.csv', '.txt', '.vcf', '.xls', '.xlsx'],
      devSignIn: false,
    });
  });

  it('shadows nothing: API answers keep no-store and the strict CSP, unknown paths stay 404', async () => {
    const [stats, health, unknown, missingAsset] = await Promise.all([
      t.app.inject({ url: '/api/batches/stats' }),
      t.app.inject({ url: '/healthz' }),
      t.app.inject({ url: '/nowhere' }),
      t.app.inject({ url: '/assets/missing.js' }),
    ]);
    expect([stats.statusCode, health.statusCode, unknown.statusCode, missingAsset.statusCode]).toEqual([
      401, 200, 404, 404,
    ]);
    for (const res of [stats, health, unknown]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
    }
  });

  it('keeps the page and its files out of the OpenAPI document', () => {
    const paths = Object.keys(t.app.swagger().paths ?? {});
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !p.startsWith('/api/') && p !== '/healthz' && p !== '/readyz')).toEqual([
      '/openapi.json',
    ]);
  });
});

describe('web app not built', () => {
  it('answers / with a 503 saying how to build it', async () => {
    const t = await build({ webRoot: path.join(os.tmpdir(), 'batchport-no-such-build') });
    const page = await t.app.inject({ url: '/' });
    await t.app.close();
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
  });
});
