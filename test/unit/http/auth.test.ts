import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/** Every /api route, with an id that would exist for its owner. */
const ID = '2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d';
const API_ROUTES = [
  ['POST', '/api/batches/upload'],
  ['GET', '/api/batches/stats'],
  ['GET', '/api/batches/recent'],
  ['GET', '/api/batches'],
  ['GET', `/api/batches/${ID}`],
  ['GET', `/api/batches/${ID}/status`],
  ['DELETE', `/api/batches/${ID}`],
  ['POST', `/api/batches/${ID}/retry`],
  ['GET', `/api/batches/${ID}/records`],
  ['GET', `/api/batches/${ID}/errors.csv`],
  ['GET', `/api/batches/${ID}/records.ndjson`],
  ['POST', '/api/webhooks'],
  ['GET', '/api/webhooks'],
  ['GET', `/api/webhooks/${ID}`],
  ['PATCH', `/api/webhooks/${ID}`],
  ['DELETE', `/api/webhooks/${ID}`],
  ['POST', `/api/webhooks/${ID}/rotate-secret`],
  ['POST', `/api/webhooks/${ID}/test`],
  ['GET', `/api/webhooks/${ID}/deliveries`],
  ['POST', `/api/webhooks/${ID}/deliveries/${ID}/replay`],
  ['POST', `/api/webhooks/${ID}/replay`],
] as const;

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
  beforeAll(async () => {
    // Every route times every bad credential, from one address: above the failed-auth limit.
    t = await build({ limits: { authFailureLimitPerMinute: 10_000 } });
    cases = await badCredentials();
  });
  afterAll(async () => {
    await t.app.close();
  });

  it.each(API_ROUTES)(
    '%s %s refuses every bad credential with 401 and the error shape',
    async (method, url) => {
      for (const [name, headers, reason] of cases) {
        const res = await t.app.inject({
          method,
          url,
          headers: { ...headers, 'x-request-id': `req-${name.length}` },
        });
        expect(res.statusCode, name).toBe(401);
        expect(res.headers['www-authenticate'], name).toMatch(
          /^Bearer realm="batchport", error="invalid_token"/,
        );
        expect(res.headers['x-request-id'], name).toBe(`req-${name.length}`);
        const body = res.json<{ error: { code: string; message: string }; requestId: string }>();
        expect(body, name).toEqual({
          error: { code: 'unauthorized', message: expect.stringMatching(reason) as unknown },
          requestId: `req-${name.length}`,
        });
      }
    },
  );

  it.each(API_ROUTES)('%s %s lets a valid token through to the route', async (method, url) => {
    const res = await t.app.inject({ method, url, headers: bearer(await tokenFor('someone')) });
    expect(res.statusCode).not.toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('leaves health and docs routes public', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    }
  });
});
