import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, TEST_JWT_SECRET, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/**
 * Issue #14's authentication findings, through the whole HTTP app with the real auth service:
 * no token text in headers, bounded token lifetimes, canonical signatures only.
 */
const now = () => Math.floor(Date.now() / 1000);
const key = new TextEncoder().encode(TEST_JWT_SECRET);
const STATS = '/api/batches/stats';

/** A token whose header is any JSON at all (what a hostile client can send). */
function rawToken(header: Record<string, unknown>): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part({ sub: 'u', email: 'u@example.com', exp: now() + 60 })}.c2ln`;
}

/** An HS256 token with exactly these time claims (none added). */
function signed(claims: { exp?: number; iat?: number }): Promise<string> {
  return new SignJWT({ email: 'u@example.com', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u')
    .sign(key);
}

describe('authentication hardening (issue #14)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await build();
  });
  afterAll(async () => {
    await t.app.close();
  });
  const get = (token: string) => t.app.inject({ url: STATS, headers: bearer(token) });

  it.each([
    ['CR/LF', 'HS256\r\nX-Injected: yes'],
    ['non-latin1', 'HS256\u2028\u20ac\u00e9'],
    ['a quote and a backslash', 'x" realm="evil\\'],
  ])(
    'never reflects the token header into WWW-Authenticate (%s in alg): 401, not 500',
    async (_name, alg) => {
      const res = await get(rawToken({ alg }));
      expect(res.statusCode).toBe(401);
      expect(res.headers['x-injected']).toBeUndefined();
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="batchport", error="invalid_token", error_description="token algorithm (unknown) is not accepted"',
      );
      expect(res.json<{ error: { message: string } }>().error.message).toBe(
        'token algorithm (unknown) is not accepted',
      );
    },
  );

  it('still names a registered algorithm it refuses', async () => {
    const res = await get(rawToken({ alg: 'PS512' }));
    expect(res.json<{ error: { message: string } }>().error.message).toBe(
      'token algorithm PS512 is not accepted',
    );
  });

  it.each([
    ['no exp at all', {}, /token has no exp claim/],
    ['exp in year 9999', { exp: 253_402_300_799 }, /lifetime exceeds the accepted maximum of 86400 s/],
    ['exp 24 h 5 min away', { exp: now() + 24 * 3600 + 300 }, /lifetime exceeds/],
    ['iat 5 minutes in the future', { iat: now() + 300, exp: now() + 3600 }, /issued in the future/],
    ['exp past beyond the 30 s skew', { exp: now() - 60 }, /expired/],
  ])('refuses a token with %s', async (_name, claims, reason) => {
    const res = await get(await signed(claims));
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(reason);
  });

  it.each([
    ['exp just under 24 h away', { iat: now(), exp: now() + 24 * 3600 - 5 }],
    ['iat 10 s ahead (inside the skew)', { iat: now() + 10, exp: now() + 600 }],
    ['exp 10 s past (inside the skew)', { exp: now() - 10 }],
  ])('accepts a token with %s', async (_name, claims) => {
    expect((await get(await signed(claims))).statusCode).toBe(200);
  });

  it('refuses a signature whose unused padding bits were altered (one token, one spelling)', async () => {
    const token = await tokenFor('u');
    expect((await get(token)).statusCode).toBe(200);
    // 32 bytes in 43 characters: the last character's two low bits are unused; flip one.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.at(-1)!;
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(base64url.decode(twin.split('.')[2]!)).toEqual(base64url.decode(token.split('.')[2]!));
    const res = await get(twin);
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/not canonical/);
  });

  it('bounds the lifetime by JWT_MAX_AGE when configured lower', async () => {
    const { createAuthService } = await import('../../../src/services/authService.js');
    const short = createAuthService({
      secret: TEST_JWT_SECRET,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      maxAgeSeconds: 600,
      clockSkewSeconds: 0,
    });
    await expect(short.authenticate(`Bearer ${await signed({ exp: now() + 900 })}`)).rejects.toThrow(
      /maximum of 600 s/,
    );
    const exp = now() + 500;
    await expect(short.authenticate(`Bearer ${await signed({ exp })}`)).resolves.toEqual({
      user: { id: 'u', email: 'u@example.com' },
      acceptedUntilMs: exp * 1000, // clockSkewSeconds: 0
    });
    await expect(short.authenticate(`Bearer ${await signed({ exp: now() - 2 })}`)).rejects.toThrow(/expired/);
  });
});
