import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { devTokenOptions } from '../../../src/apiServer.js';
import { loadConfig } from '../../../src/config/config.js';
import { bearer, build, TEST_JWT_SECRET, type BuildOptions } from '../../support/buildTestApp.js';

const DEV_SECRET = 'batchport-dev-only-jwt-secret-do-not-use-in-production';
const OTHER_SECRET = 'a-real-deployment-secret-that-is-long-enough';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(overrides: BuildOptions): Promise<FastifyInstance> {
  app = (await build(overrides)).app;
  return app;
}

/** The route's settings as the API process derives them from its environment. */
function fromEnv(env: Record<string, string>) {
  return devTokenOptions(
    loadConfig({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      JWT_ISSUER: 'i',
      JWT_AUDIENCE: 'a',
      ...env,
    }),
  );
}

const signIn = (a: FastifyInstance, body: unknown) =>
  a.inject({ method: 'POST', url: '/api/dev/token', payload: body as Record<string, unknown> });

async function documentPaths(
  a: FastifyInstance,
): Promise<Record<string, Record<string, { security?: unknown }>>> {
  return (await a.inject({ url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, { security?: unknown }>>;
  }>().paths;
}

describe('POST /api/dev/token', () => {
  it('exists with the development secret outside production, and its token works on /api', async () => {
    const devToken = fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET });
    expect(devToken).toBeDefined();
    // Signed with the test app's secret: the token must pass the app's real auth service.
    const a = await serve({
      devToken: { ...devToken!, signing: { ...devToken!.signing, secret: TEST_JWT_SECRET } },
    });
    const before = Date.now();
    const res = await signIn(a, { email: 'dev@example.com', sub: 'dev-1' });
    expect(res.statusCode).toBe(200);
    const { token, expiresAt } = res.json<{ token: string; expiresAt: string }>();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'dev-1', email: 'dev@example.com', iss: 'i', aud: 'a' });
    const lifetimeMs = Date.parse(expiresAt) - before;
    expect(lifetimeMs).toBeGreaterThan(0);
    expect(lifetimeMs).toBeLessThanOrEqual(24 * 3600 * 1000); // JWT_MAX_AGE's default
    expect(claims.exp! * 1000).toBe(Date.parse(expiresAt));
    const list = await a.inject({ url: '/api/batches', headers: bearer(token) });
    expect(list.statusCode).toBe(200);
    expect((await documentPaths(a))['/api/dev/token']?.['post']?.security).toEqual([]);
    // The sign-in page learns that the route exists from its settings, not by probing it.
    expect((await a.inject({ url: '/web-config.json' })).json()).toMatchObject({ devSignIn: true });
  });

  it('uses the e-mail as the user id without sub, and never outlives JWT_MAX_AGE', async () => {
    const devToken = fromEnv({ NODE_ENV: 'test', JWT_SECRET: DEV_SECRET, JWT_MAX_AGE: '600' });
    const a = await serve({ devToken: devToken! });
    const res = await signIn(a, { email: 'dev@example.com' });
    const claims = decodeJwt(res.json<{ token: string }>().token);
    expect(claims.sub).toBe('dev@example.com');
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('refuses bodies the auth service would not accept as an identity', async () => {
    const a = await serve({ devToken: fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET })! });
    for (const body of [
      {},
      { email: 'not-an-address' },
      { email: 'a@b.c', role: 'admin' },
      { email: 'a@b.c', sub: '' },
      { email: 'a@b.c', sub: false },
      { email: 'a@b.c', sub: 7 },
      { email: ['a@b.c'] },
    ]) {
      const res = await signIn(a, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    }
  });

  it('is limited per client address', async () => {
    const devToken = fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET })!;
    const a = await serve({ devToken, limits: { rateLimitPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await signIn(a, { email: 'dev@example.com' })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('answers only requests whose Host is a loopback name (no DNS rebinding)', async () => {
    const a = await serve({ devToken: fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET })! });
    const withHost = (host: string) =>
      a.inject({
        method: 'POST',
        url: '/api/dev/token',
        headers: { host },
        payload: { email: 'dev@example.com' },
      });
    for (const host of ['localhost:3000', '127.0.0.1:3000', '127.0.0.1', '[::1]:3000', 'LOCALHOST']) {
      expect((await withHost(host)).statusCode, host).toBe(200);
    }
    for (const host of [
      'rebind.attacker.example:3000',
      'attacker.example',
      '10.0.0.5:3000',
      'localhost.attacker.example',
      '[::2]:3000',
    ]) {
      const res = await withHost(host);
      expect(res.statusCode, host).toBe(403);
      expect(res.json<{ error: { code: string; message: string } }>().error).toEqual({
        code: 'forbidden',
        message: 'the dev token route answers only requests to localhost, 127.0.0.1 or [::1]',
      });
    }
  });

  it('refuses to start with the development secret on a HOST that is not loopback', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org']) {
      expect(() => fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET, HOST: host }), host).toThrow(
        /HOST=.* is not a loopback address: the development JWT secret is only allowed on 127\.0\.0\.1, ::1 or localhost/,
      );
    }
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      expect(fromEnv({ NODE_ENV: 'development', JWT_SECRET: DEV_SECRET, HOST: host }), host).toBeDefined();
    }
  });

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production', JWT_SECRET: OTHER_SECRET }],
    ['a secret that is not the development one', { NODE_ENV: 'development', JWT_SECRET: OTHER_SECRET }],
  ])('does not exist with %s: 404 and absent from the document', async (_name, env) => {
    const devToken = fromEnv(env);
    expect(devToken).toBeUndefined();
    const a = await serve({ devToken });
    const res = await signIn(a, { email: 'dev@example.com' });
    expect(res.statusCode).toBe(404);
    expect(Object.keys(await documentPaths(a)).filter((p) => p.startsWith('/api/dev'))).toEqual([]);
  });
});
