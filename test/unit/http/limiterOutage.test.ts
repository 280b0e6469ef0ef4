import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/**
 * A Redis outage (the classifier's availability errors, src/queue/redisErrors.ts) must not take
 * the API down with its limiters: requests pass unlimited, failures are answered 401 uncounted.
 * The Redis here is a client of a closed port, so every command fails as in a real outage.
 */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

describe('limiters during a Redis outage', () => {
  let t: TestApp | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    await t?.app.close();
    redis?.disconnect();
    t = redis = undefined;
  });

  it('serves good tokens unlimited and answers bad ones 401 while Redis is unreachable', async () => {
    redis = new Redis({ port: await closedPort(), enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', () => undefined);
    t = await build({
      rateLimitRedis: redis,
      limits: { rateLimitPerMinute: 1, authFailureLimitPerMinute: 1 },
    });
    const good = await tokenFor('during-outage');
    for (let i = 0; i < 3; i++) {
      const answer = await t.app.inject({ url: '/api/batches/stats', headers: bearer(good) });
      expect(answer.statusCode, `good request ${i + 1}`).toBe(200);
    }
    const bad = await tokenFor('u', { secret: 'forged-secret-forged-secret-forged-1234' });
    for (let i = 0; i < 3; i++) {
      const answer = await t.app.inject({ url: '/api/batches/stats', headers: bearer(bad) });
      expect(answer.statusCode, `bad request ${i + 1}`).toBe(401);
    }
  });
});
