import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../src/errors.js';
import { createBatchQueue } from '../../../src/queue/batchQueue.js';
import { redisUnavailable } from '../../../src/queue/redisErrors.js';
import { CLOSED_PORT, requireEnv } from './env.js';

/** The ioredis/BullMQ classifier against errors raised by a real Redis (and a closed port). */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('ioredis/BullMQ classifier, real errors', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis({
      host: requireEnv('REDIS_HOST'),
      port: Number(requireEnv('REDIS_PORT')),
      password: process.env['REDIS_PASSWORD'],
      maxRetriesPerRequest: 1,
    });
    await redis.ping();
  });
  afterAll(() => {
    redis?.disconnect();
  });

  it('a command on a fail-fast connection to a closed port is a queue outage', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: CLOSED_PORT,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    try {
      const error = await failureOf(() => dead.get('k'));
      expect(redisUnavailable(error, 'testing')).toMatchObject({ dependency: 'queue' });
    } finally {
      dead.disconnect();
    }
  });

  it('a command after the connection closed is a queue outage', async () => {
    const closing = new Redis({
      host: requireEnv('REDIS_HOST'),
      port: Number(requireEnv('REDIS_PORT')),
      password: process.env['REDIS_PASSWORD'],
    });
    await closing.ping();
    await closing.quit();
    const error = await failureOf(() => closing.get('k'));
    expect(redisUnavailable(error, 'testing')).toMatchObject({ dependency: 'queue' });
  });

  it('a BullMQ call over a dead connection is a queue outage', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: CLOSED_PORT,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const queue = new Queue('classifier-test', { connection: dead });
    queue.on('error', () => undefined);
    try {
      const error = await failureOf(() => queue.getJobCounts('waiting'));
      expect(redisUnavailable(error, 'testing')).toMatchObject({ dependency: 'queue' });
    } finally {
      await queue.close().catch(() => undefined);
      dead.disconnect();
    }
  });

  it('error replies about the command are not outages', async () => {
    const unknown = await failureOf(() => redis.call('NO_SUCH_COMMAND'));
    expect(redisUnavailable(unknown, 'testing')).toBeUndefined();
    const key = `classifier-test:${Date.now()}`;
    await redis.set(key, 'x', 'EX', 10);
    const wrongType = await failureOf(() => redis.lpush(key, 'y'));
    expect(redisUnavailable(wrongType, 'testing')).toBeUndefined();
    await redis.del(key);
  });

  it('the queue adapter passes a non-outage error through as itself, not as a 503', async () => {
    const queue = createBatchQueue(redis, {
      queueName: `classifier-adapter-${Date.now()}`,
      attempts: 1,
      backoffMs: 10,
    });
    // BullMQ refuses a job id with ':' before any Redis call: a programming error, Redis is fine.
    const misuse = await failureOf(() => queue.enqueueBatch('not:an-id', 1));
    expect(misuse).not.toBeInstanceOf(DependencyUnavailableError);
    expect((misuse as Error).message).toMatch(/cannot contain :/);
    await queue.close();
  });
});
