import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createProducerRedis, waitForRedis } from '../../../src/queue/redisConnection.js';

/**
 * REDIS_USERNAME reaches the driver: the process connects as a Redis 6 ACL user of its own on the
 * real Redis, and that user's rights (not the default user's) apply.
 */
describe('Redis ACL user (REDIS_USERNAME)', () => {
  const username = `batchport-test-${randomUUID()}`;
  const password = randomUUID();
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis({
      host: process.env['REDIS_HOST'],
      port: Number(process.env['REDIS_PORT']),
      password: process.env['REDIS_PASSWORD'],
    });
    // Allowed: commands on keys under `acl-test:` only.
    await admin.call('ACL', 'SETUSER', username, 'on', `>${password}`, '~acl-test:*', '+@all');
  });
  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', username);
    await admin.del('acl-test:key');
    admin.disconnect();
  });

  const connectAs = async (user: string, pass: string) => {
    const config = loadConfig({ ...process.env, REDIS_USERNAME: user, REDIS_PASSWORD: pass });
    const redis = createProducerRedis(config.redis);
    try {
      await waitForRedis(redis, 3_000);
      await redis.set('acl-test:key', 'written by the ACL user');
      return { ok: true, otherKey: await redis.get('outside-acl').catch((e: Error) => e.message) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    } finally {
      redis.disconnect();
    }
  };

  it('connects as the ACL user, whose key rights apply', async () => {
    const seen = await connectAs(username, password);
    expect(seen).toEqual({ ok: true, otherKey: expect.stringMatching(/NOPERM/) as unknown });
    expect(await admin.get('acl-test:key')).toBe('written by the ACL user');
  });

  it('does not connect with a wrong password', async () => {
    const seen = await connectAs(username, 'wrong');
    expect(seen.ok).toBe(false);
  });
});
