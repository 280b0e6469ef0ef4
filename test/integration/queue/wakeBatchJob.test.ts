import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchQueue, PROCESS_BATCH_JOB, type BatchQueue } from '../../../src/queue/batchQueue.js';
import { requireEnv } from '../errors/env.js';

/**
 * The worker wakes the next batch in line (src/worker/batchProcessor.ts → wakeBatchJob) once a
 * batch ends: on a real Redis, a job put back (`delayed`) runs now, and nothing else is touched.
 * And a finished batch waits in its slot for earlier ones only while their jobs run
 * (src/contactIndex/indexingRun.ts → batchJobsRunning): `active` only, never queued or delayed.
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

  it('batchJobsRunning is true only when every job is held by a worker', async () => {
    const [held, queued, delayed] = [randomUUID(), randomUUID(), randomUUID()];
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started = () => {};
    const taken = new Promise<void>((resolve) => (started = resolve));
    const worker = new Worker(
      queueName,
      async (job) => {
        if (job.id !== held) {
          return; // the other test's job, woken into `waiting`
        }
        started();
        await gate;
      },
      { connection: redis.duplicate(), concurrency: 1 },
    );
    try {
      await raw.add(PROCESS_BATCH_JOB, { batchId: held, attempt: 1 }, { jobId: held });
      await taken;
      await raw.add(PROCESS_BATCH_JOB, { batchId: queued, attempt: 1 }, { jobId: queued });
      await raw.add(PROCESS_BATCH_JOB, { batchId: delayed, attempt: 1 }, { jobId: delayed, delay: 600_000 });
      expect(await stateOf(held)).toBe('active');

      expect(await queue.batchJobsRunning([held])).toBe(true);
      expect(await queue.batchJobsRunning([held, queued])).toBe(false);
      expect(await queue.batchJobsRunning([delayed, held])).toBe(false);
      expect(await queue.batchJobsRunning([randomUUID()])).toBe(false);
    } finally {
      open();
      await worker.close();
    }
  });
});
