/**
 * The per-user rate limit across two API instances sharing the real Redis (syncedRateLimitStore):
 * one instance is exact on its own, and an instance sees the other's requests once they synced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newUser, startStack, type TestStack } from '../../support/testStack.js';

const LIMIT = 10;
const SYNC_MS = 100;
const env = { RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_SYNC_MS: String(SYNC_MS) };

async function statuses(stack: TestStack, token: string, n: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    seen.push((await api(stack, '/api/batches?limit=1', { token })).status);
  }
  return seen;
}

/** Waits until Redis holds `count` requests of the user (the instance's sync has run). */
async function sharedCountReaches(stack: TestStack, userId: string, count: number): Promise<void> {
  const deadline = Date.now() + 10 * SYNC_MS + 5_000;
  for (;;) {
    const value = Number(await stack.deps.redis.get(`batchport-ratelimit:${userId}`));
    if (value === count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the shared count of ${userId} is ${value}, not ${count}, after the sync period`);
    }
    await new Promise((r) => setTimeout(r, SYNC_MS / 2));
  }
}

describe('per-user rate limit over two API instances', () => {
  let a: TestStack;
  let b: TestStack;
  beforeAll(async () => {
    a = await startStack({ storage: 'local', records: 'postgres', env });
    b = await startStack({ storage: 'local', records: 'postgres', env });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('one instance refuses the request past the limit, with Retry-After', async () => {
    const user = await newUser();
    expect(await statuses(a, user.token, LIMIT)).toEqual(Array(LIMIT).fill(200));
    const refused = await api(a, '/api/batches?limit=1', { token: user.token });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("counts the other instance's requests once they are synced", async () => {
    const user = await newUser();
    expect(await statuses(a, user.token, 6)).toEqual(Array(6).fill(200));
    await sharedCountReaches(a, user.id, 6);
    // b starts its window from the shared count: 4 more pass, the 5th is the 11th of the minute.
    expect(await statuses(b, user.token, 5)).toEqual([200, 200, 200, 200, 429]);
    await sharedCountReaches(b, user.id, 11);
  });
});
