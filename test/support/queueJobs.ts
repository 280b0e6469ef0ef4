import type { Job } from 'bullmq';
import type { TestStack } from './testStack.js';

/**
 * The BullMQ job of a batch (its id is the batch id), or undefined once removed. The one place
 * tests reach into the queue adapter, so a change to how it exposes BullMQ is fixed here only.
 */
export async function jobOf(stack: TestStack, batchId: string): Promise<Job | undefined> {
  return stack.jobs.getJob(batchId);
}
