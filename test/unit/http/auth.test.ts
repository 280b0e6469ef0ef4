import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatedRoutes, KNOWN_ROUTES, type ApiRoute } from '../../support/apiRoutes.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/** Every authenticated route, from the served document, with an id that would exist for its owner. */
const ID = '2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d';

const now = () => Math.floor(Date.now() / 1000);

/** Authorization headers that must never get past authentication, with the reason each says. */
async function badCredentials(): Promise<Array<[string, Record<string, string>, RegExp]>> {
  const rsa = await generateKeyPair('RS256');
  const rs256 = await new SignJWT({ email: 'u@example.com' })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('u')
    .setExpirationTime(now() + 3600)
    .sign(rsa.privateKey);
  const none = new UnsecuredJWT({ email: 'u@example.com' })
    .setSubject('u')
    .setExpirationTime(now() + 3600)
    .encode();
  return [
    ['missing header', {}, /missing Authorization/],
    ['not a bearer scheme', { authorization: 'Basic dTpw' }, /must be "Bearer <token>"/],
    ['empty bearer', { authorization: 'Bearer ' }, /must be "Bearer <token>"/],
    ['malformed token', bearer('not.a.jwt'), /malformed/],
    [
      'wrong signature',
      bearer(await tokenFor('u', { secret: 'another-secret-another-secret-12345' })),
      /signature/,
    ],
    ['expired', bearer(await tokenFor('u', { expiresAt: now() - 3600 })), /expired/],
    ['alg none', bearer(none), /algorithm none is not accepted/],
    ['HS384 (not allowed)', bearer(await tokenFor('u', { alg: 'HS384' })), /algorithm HS384 is not accepted/],
    ['RS256 without a key set', bearer(rs256), /algorithm RS256 is not accepted/],
    ['no email claim', bearer(await tokenFor('u', { email: null })), /email claim/],
    ['bad email claim', bearer(await tokenFor('u', { email: 'not-an-email' })), /email claim/],
  ];
}

describe('authentication on every /api route (real auth service, HS256 test secret)', () => {
  let t: TestApp;
  let cases: Awaited<ReturnType<typeof badCredentials>>;
  let routes: ApiRoute[];
  beforeAll(async () => {
    // Every route times every bad credential, from one address: above the failed-auth limit.
    t = await build({ limits: { authFailureLimitPerMinute: 10_000 } });
    cases = await badCredentials();
    routes = authenticatedRoutes((await t.app.inject({ url: '/openapi.json' })).json(), ID);
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('reads every authenticated route from /openapi.json', () => {
    expect(routes.map((r) => `${r.method} ${r.template}`)).toEqual(expect.arrayContaining(KNOWN_ROUTES));
  });

  it('refuses every bad credential on every route with 401 and the error shape', async () => {
    for (const { method, path } of routes) {
      for (const [name, headers, reason] of cases) {
        const what = `${method} ${path}: ${name}`;
        const res = await t.app.inject({
          method: method as 'GET',
          url: path,
          headers: { ...headers, 'x-request-id': `req-${name.length}` },
        });
        expect(res.statusCode, what).toBe(401);
        expect(res.headers['www-authenticate'], what).toMatch(
          /^Bearer realm="batchport", error="invalid_token"/,
        );
        expect(res.headers['x-request-id'], what).toBe(`req-${name.length}`);
        const body = res.json<{ error: { code: string; message: string }; requestId: string }>();
        expect(body, what).toEqual({
          error: { code: 'unauthorized', message: expect.stringMatching(reason) as unknown },
          requestId: `req-${name.length}`,
        });
      }
    }
  });

  it('lets a valid token through to every route', async () => {
    // Over a socket: a stream's answer never ends, so only its status line is awaited.
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const token = await tokenFor('someone');
    for (const { method, path } of routes) {
      const controller = new AbortController();
      const res = await fetch(base + path, { method, headers: bearer(token), signal: controller.signal });
      controller.abort();
      expect(res.status, `${method} ${path}`).not.toBe(401);
      expect(res.headers.get('www-authenticate'), `${method} ${path}`).toBeNull();
    }
  });

  it('leaves health and docs routes public', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    }
  });
});
