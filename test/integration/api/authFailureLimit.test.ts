import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startStack, tokenFor, type TestStack } from '../../support/testStack.js';

/**
 * The failed-authentication limit and the per-user limiter on the real Redis, as the API role
 * runs them: counted atomically across parallel requests, keys under REDIS_KEY_PREFIX, and Redis
 * errors sorted by the Redis classifier.
 */
const STATS = '/api/batches/stats';
const LIMIT = 30;

describe('failed-authentication limit on Redis', () => {
  let stack: TestStack;
  const prefix = `test-${randomUUID()}:`;

  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      env: { AUTH_FAILURE_LIMIT_PER_MINUTE: String(LIMIT), REDIS_KEY_PREFIX: prefix },
    });
  });
  afterAll(async () => {
    const keys = await stack?.redis.keys(`${prefix}*`);
    if (keys && keys.length > 0) {
      await stack.redis.del(...keys);
    }
    await stack?.close();
  });

  const get = (token: string) =>
    fetch(`${stack.baseUrl}${STATS}`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses parallel failures past the limit (60 at once: 30 × 401, 30 × 429) and still serves a good token', async () => {
    const bad = await tokenFor({ sub: 'x', email: 'x@example.com', secret: 'y'.repeat(40) });
    const answers = await Promise.all(Array.from({ length: 2 * LIMIT }, () => get(bad)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), ...Array<number>(LIMIT).fill(429)]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    const user = await newUser('nat-colleague');
    expect((await get(user.token)).status).toBe(200);

    // One counter per address, under this deployment's prefix, with the window's expiry.
    const redis = stack.redis;
    expect(await redis.get(`${prefix}authfail:127.0.0.1`)).toBe(String(2 * LIMIT));
    const ttl = await redis.pttl(`${prefix}authfail:127.0.0.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps the per-user counters under the deployment prefix', async () => {
    const user = await newUser('prefixed');
    expect((await get(user.token)).status).toBe(200);
    expect(await stack.redis.get(`${prefix}ratelimit:${user.id}`)).toBe('1');
  });

  it('fails a request whose limiter hits a Redis error that is not an outage (a key of the wrong type)', async () => {
    const user = await newUser('wrongtype');
    await stack.redis.hset(`${prefix}ratelimit:${user.id}`, 'not', 'a counter');
    const answer = await get(user.token);
    expect(answer.status).toBe(500);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('internal_error');
  });
});
