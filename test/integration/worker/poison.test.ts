import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POISON_FILE_MESSAGE } from '../../../src/worker/poisonFile.js';
import { sleep, startWorkerProcess, type WorkerProcess } from '../../faults/support.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

const MAX_STALLED = 2;

/**
 * A file that keeps killing its worker ends in `error`, through BullMQ's real stall handling:
 * real worker processes (`src/bin/worker.ts`) are SIGKILLed each time they pick the job up, the
 * lock lapses, BullMQ counts the stall and hands the job on. After WORKER_MAX_STALLED_COUNT
 * stalls the next worker ends the batch in `error` instead of reading the file again.
 */
describe('a poison file (its worker dies on every try)', () => {
  let stack: TestStack;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: false,
      env: {
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_CONCURRENCY: '1',
        WORKER_MAX_STALLED_COUNT: String(MAX_STALLED),
      },
    });
  });
  afterAll(async () => {
    for (const w of workers) {
      await w.kill();
    }
    await stack?.close();
  });

  /** Waits until a worker has taken the job for the `n`-th time (BullMQ's own start count). */
  async function waitForPickup(id: string, n: number): Promise<void> {
    await expect
      .poll(async () => (await stack.jobs.getJob(id))?.attemptsStarted, { timeout: 120_000, interval: 50 })
      .toBeGreaterThanOrEqual(n);
  }

  it(`ends in error with the poison message after ${MAX_STALLED} worker deaths`, async () => {
    const user = await newUser();
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      // Large enough that no worker finishes it in the moment before it is killed.
      body: uploadForm(contactsCsv(80_000), 'poison.csv'),
    });
    expect(up.status).toBe(201);
    const id = up.body.id as string;

    for (let death = 1; death <= MAX_STALLED; death++) {
      const worker = startWorkerProcess(stack, {}, `poison-${death}`);
      workers.push(worker);
      await waitForPickup(id, death);
      await sleep(200); // let it start on the file
      await worker.kill();
      expect((await api(stack, `/api/batches/${id}/status`, { token: user.token })).body.status).toBe(
        'parsing',
      );
    }

    workers.push(startWorkerProcess(stack, {}, 'poison-last'));
    const done = await waitForStatus(stack, user.token, id, (s) => s === 'loaded' || s === 'error', 90_000);
    expect(done).toMatchObject({ status: 'error', errorMessage: POISON_FILE_MESSAGE });
    const job = await stack.jobs.getJob(id);
    expect(job?.stalledCounter).toBe(MAX_STALLED);
    expect(job?.attemptsStarted).toBe(MAX_STALLED + 1);
    // The batch row is marked first, then BullMQ moves the job: wait for the second write.
    await expect.poll(() => job?.getState(), { timeout: 15_000, interval: 100 }).toBe('failed');
  }, 420_000);
});
