import { afterEach, describe, expect, it } from 'vitest';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/**
 * Failed authentications are limited per client address after the token is checked: only
 * failures count and only failures are refused. In-memory counters here (no Redis); the API role
 * shares them in Redis (test/integration/api/authFailureLimit.test.ts).
 */
const STATS = '/api/batches/stats';
const forged = () => tokenFor('u', { secret: 'forged-secret-forged-secret-forged-1234' });

describe('failed-authentication limit per client address', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });
  const from = async (app: TestApp, token: string, remoteAddress = '10.1.1.1', extra = {}) =>
    app.app.inject({ url: STATS, headers: { ...bearer(token), ...extra }, remoteAddress });

  it('answers 429 with Retry-After and the error shape once an address used up its failures', async () => {
    t = await build({ limits: { authFailureLimitPerMinute: 5 } });
    const bad = await forged();
    for (let i = 0; i < 5; i++) {
      expect((await from(t, bad)).statusCode, `failure ${i + 1}`).toBe(401);
    }
    const limited = await from(t, bad, '10.1.1.1', { 'x-request-id': 'limited-1' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(limited.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(/too many failed authentications/) as unknown,
      },
      requestId: 'limited-1',
    });
    // Only failures are refused: a good token from that address is served.
    expect((await from(t, await tokenFor('u'))).statusCode).toBe(200);
    // Another address is not affected.
    expect((await from(t, bad, '10.2.2.2')).statusCode).toBe(401);
  });

  it('serves a valid token from an address that used up its 30 failures (one office behind a NAT)', async () => {
    t = await build({ limits: { authFailureLimitPerMinute: 30 } });
    const bad = await forged();
    const statuses = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await from(t, bad)).statusCode);
    }
    expect(statuses).toEqual([...Array<number>(30).fill(401), 429]);
    const colleague = await tokenFor('colleague');
    for (let i = 0; i < 3; i++) {
      expect((await from(t, colleague)).statusCode, `good request ${i + 1}`).toBe(200);
    }
    expect((await from(t, bad)).statusCode).toBe(429);
  });

  it('counts failures only: many good requests from one address all pass', async () => {
    t = await build({ limits: { authFailureLimitPerMinute: 2 } });
    const good = await tokenFor('busy');
    for (let i = 0; i < 20; i++) {
      expect((await from(t, good)).statusCode, `request ${i + 1}`).toBe(200);
    }
    expect((await from(t, await forged())).statusCode).toBe(401);
  });

  it('ignores X-Forwarded-For unless the sender is a trusted proxy', async () => {
    t = await build({ limits: { authFailureLimitPerMinute: 2 } });
    const bad = await forged();
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await from(t, bad, '10.1.1.1', { 'x-forwarded-for': `192.0.2.${i}` })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('behind a trusted proxy, limits each forwarded client separately', async () => {
    t = await build({ limits: { authFailureLimitPerMinute: 2 }, trustProxy: ['10.9.9.9'] });
    const bad = await forged();
    const via = (client: string) => from(t!, bad, '10.9.9.9', { 'x-forwarded-for': client });
    expect([(await via('192.0.2.1')).statusCode, (await via('192.0.2.1')).statusCode]).toEqual([401, 401]);
    expect((await via('192.0.2.1')).statusCode).toBe(429);
    expect((await via('192.0.2.2')).statusCode).toBe(401);
  });
});
