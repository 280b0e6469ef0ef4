import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchQueue, PROCESS_BATCH_JOB, type BatchQueue } from '../../../src/queue/batchQueue.js';
import { requireEnv } from '../errors/env.js';

/**
 * The worker wakes the next batch in line (src/worker/batchProcessor.ts → wakeBatchJob) once a
 * batch ends: on a real Redis, a job put back (`delayed`) runs now, and nothing else is touched.
 */
describe('batch queue: wakeBatchJob on a real Redis', () => {
  const queueName = `wake-${randomUUID()}`;
  let redis: Redis;
  let queue: BatchQueue;
  let raw: Queue;

  beforeAll(async () => {
    redis = new Redis({
      host: requireEnv('REDIS_HOST'),
      port: Number(requireEnv('REDIS_PORT')),
      password: process.env['REDIS_PASSWORD'],
      maxRetriesPerRequest: null,
    });
    queue = createBatchQueue(redis, { queueName, attempts: 1, backoffMs: 100 });
    raw = new Queue(queueName, { connection: redis });
    await queue.ready();
  });
  afterAll(async () => {
    await raw?.obliterate({ force: true });
    await raw?.close();
    await queue?.close();
    redis?.disconnect();
  });

  const stateOf = async (id: string) => (await raw.getJob(id))?.getState();

  it('runs a delayed job now, and leaves a waiting job and an unknown id alone', async () => {
    const id = randomUUID();
    // As knownCountWait.ts leaves it: put back for a long wait.
    await raw.add(PROCESS_BATCH_JOB, { batchId: id, attempt: 1 }, { jobId: id, delay: 600_000 });
    expect(await stateOf(id)).toBe('delayed');

    await queue.wakeBatchJob(id);
    expect(await stateOf(id)).toBe('waiting');

    await queue.wakeBatchJob(id);
    expect(await stateOf(id)).toBe('waiting');
    await expect(queue.wakeBatchJob(randomUUID())).resolves.toBeUndefined();
  });
});
