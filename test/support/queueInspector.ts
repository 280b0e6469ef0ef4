import { Queue, type Job } from 'bullmq';
import type { Config } from '../../src/config/config.js';
import { workerRedisOptions } from '../../src/queue/redisConnection.js';
import type { ProcessBatchJobData } from '../../src/queue/batchQueue.js';

/**
 * A test's own view of its BullMQ queue (job state, attempts, stall counts), so the production
 * queue adapter needs no test-only members and never hands out BullMQ's `Queue`.
 */
export interface QueueInspector {
  getJob(batchId: string): Promise<Job<ProcessBatchJobData> | undefined>;
  /** Removes every job of the test's queue (its name is unique to the stack). */
  obliterate(): Promise<void>;
  close(): Promise<void>;
}

export function openQueueInspector(config: Config): QueueInspector {
  const queue = new Queue<ProcessBatchJobData>(config.queueName, {
    connection: workerRedisOptions(config.redis),
  });
  queue.on('error', () => undefined);
  return {
    getJob: (batchId) => queue.getJob(batchId),
    obliterate: () => queue.obliterate({ force: true }),
    close: () => queue.close(),
  };
}
