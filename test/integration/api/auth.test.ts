import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatedRoutes, KNOWN_ROUTES, type ApiRoute } from '../../support/apiRoutes.js';
import { api, newUser, startStack, tokenFor, uploadForm, type TestStack } from '../../support/testStack.js';

const ID = '00000000-0000-4000-8000-000000000000';

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

describe('authentication on every /api route', () => {
  let stack: TestStack;
  let jwksServer: Server;
  let rsaPrivate: CryptoKey;
  let otherRsaPrivate: CryptoKey;
  /** Every authenticated route, read from the served /openapi.json. */
  let routes: ApiRoute[];

  beforeAll(async () => {
    // A real JWKS endpoint on loopback, so RS256 verification runs end to end.
    const pair = await generateKeyPair('RS256', { extractable: true });
    const other = await generateKeyPair('RS256', { extractable: true });
    rsaPrivate = pair.privateKey;
    otherRsaPrivate = other.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const address = jwksServer.address();
    if (!address || typeof address === 'string') {
      throw new Error('no jwks address');
    }
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      env: {
        JWT_ISSUER: 'https://issuer.test',
        JWT_AUDIENCE: 'batchport-test',
        JWT_JWKS_URL: `http://127.0.0.1:${address.port}/jwks.json`,
      },
    });
    routes = authenticatedRoutes((await api(stack, '/openapi.json')).body, ID);
  });

  it('reads every authenticated route from the served /openapi.json', () => {
    expect(routes.map((r) => `${r.method} ${r.template}`)).toEqual(expect.arrayContaining(KNOWN_ROUTES));
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  const good = (extra: Partial<Parameters<typeof tokenFor>[0]> = {}) =>
    tokenFor({
      sub: 'user-1',
      email: 'user@example.com',
      issuer: 'https://issuer.test',
      audience: 'batchport-test',
      ...extra,
    });

  const cases: Array<[string, () => Promise<string | undefined>, RegExp]> = [
    ['no token', () => Promise.resolve(undefined), /missing Authorization/],
    ['garbage', () => Promise.resolve('Bearer not.a.jwt'), /malformed|invalid/],
    ['wrong scheme', () => Promise.resolve(`Basic ${Buffer.from('a:b').toString('base64')}`), /Bearer/],
    ['wrong secret', async () => `Bearer ${await good({ secret: 'x'.repeat(40) })}`, /signature/],
    ['expired', async () => `Bearer ${await good({ expiresIn: -3600 })}`, /expired/],
    [
      'alg none',
      () =>
        Promise.resolve(
          `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'u', email: 'u@example.com' })}.`,
        ),
      /algorithm/,
    ],
    ['missing email', async () => `Bearer ${await good({ email: undefined })}`, /email/],
    ['invalid email', async () => `Bearer ${await good({ email: 'not-an-email' })}`, /email/],
    ['missing sub', async () => `Bearer ${await good({ sub: undefined })}`, /sub/],
    ['wrong issuer', async () => `Bearer ${await good({ issuer: 'https://evil.test' })}`, /iss/],
    ['wrong audience', async () => `Bearer ${await good({ audience: 'someone-else' })}`, /aud/],
    [
      'not yet valid',
      async () =>
        `Bearer ${await new SignJWT({ email: 'u@example.com' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u')
          .setIssuer('https://issuer.test')
          .setAudience('batchport-test')
          .setNotBefore(Math.floor(Date.now() / 1000) + 3600)
          .setExpirationTime(Math.floor(Date.now() / 1000) + 7200)
          .sign(new TextEncoder().encode(process.env['JWT_SECRET']))}`,
      /nbf|invalid/,
    ],
    [
      'RS256 from an unknown key',
      async () =>
        `Bearer ${await new SignJWT({ email: 'u@example.com' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('u')
          .setIssuer('https://issuer.test')
          .setAudience('batchport-test')
          .setExpirationTime('10m')
          .sign(otherRsaPrivate)}`,
      /signature/,
    ],
    [
      // Algorithm confusion: HS256 signed with the public RSA key material as the "secret".
      'HS256 signed with a public key',
      async () => {
        const jwks = await (await fetch(process.env['__JWKS_URL__'] ?? stack.config.auth.jwksUrl!)).text();
        return `Bearer ${await good({ secret: jwks.padEnd(40, 'x') })}`;
      },
      /signature/,
    ],
  ];

  for (const [name, header, message] of cases) {
    it(`rejects ${name} with 401 and WWW-Authenticate on every route`, async () => {
      const value = await header();
      for (const { method, path } of routes) {
        const res = await api(stack, path, {
          method,
          headers: value ? { authorization: value } : {},
          ...(method === 'POST' && path.endsWith('upload')
            ? { body: uploadForm('a,b\n1,2\n', 'x.csv') }
            : {}),
        });
        expect(res.status, `${name}: ${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate'), path).toMatch(/^Bearer realm="batchport"/);
        expect(res.body.error.code).toBe('unauthorized');
        expect(res.body.error.message).toMatch(message);
        expect(res.text).not.toMatch(/at .*\.ts:\d+/); // no stack traces
      }
    });
  }

  it('accepts a valid HS256 token and a valid RS256 token from the JWKS', async () => {
    const hs = await good();
    expect((await api(stack, '/api/batches/stats', { token: hs })).status).toBe(200);
    const rs = await new SignJWT({ email: 'rs@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('rs-user')
      .setIssuer('https://issuer.test')
      .setAudience('batchport-test')
      .setExpirationTime('10m')
      .sign(rsaPrivate);
    const res = await api(stack, '/api/batches/stats', { token: rs });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
  });

  it('answers 503 (not 401) for an RS256 token while the JWKS endpoint is unreachable', async () => {
    const unreachable = await startStack({
      storage: 'local',
      records: 'postgres',
      env: { JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json' },
    });
    try {
      const rs = await new SignJWT({ email: 'rs@example.com' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('rs-user')
        .setExpirationTime('10m')
        .sign(rsaPrivate);
      const res = await api(unreachable, '/api/batches/stats', { token: rs });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('dependency_unavailable');
      expect(res.body.error.message).toMatch(/JWKS/);
      // HS256 tokens do not depend on the key set and still work.
      const hs = await tokenFor({ sub: 'hs-user', email: 'hs@example.com' });
      expect((await api(unreachable, '/api/batches/stats', { token: hs })).status).toBe(200);
    } finally {
      await unreachable.close();
    }
  });

  it('leaves health, readiness and docs open; metrics only on the ops listener', async () => {
    expect((await api(stack, '/healthz')).status).toBe(200);
    expect((await api(stack, '/readyz')).status).toBe(200);
    expect((await api(stack, '/metrics')).status).toBe(404);
    expect(await (await fetch(`${stack.opsUrl}/metrics`)).text()).toMatch(/batchport_http_requests_total/);
    const openapi = await api(stack, '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/api/batches/upload', '/api/batches/{id}/status', '/api/batches/stats']),
    );
    const docs = await api(stack, '/docs');
    expect([200, 302]).toContain(docs.status);
  });

  it('sends security headers and a request id on every answer', async () => {
    const { token } = await newUser();
    const res = await api(stack, '/api/batches/stats', { token, headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    const unknown = await api(stack, '/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.requestId).toEqual(expect.any(String));
  });
});
