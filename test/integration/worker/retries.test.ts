import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerOptions } from '../../../src/workerComposition.js';
import { DependencyUnavailableError } from '../../../src/errors.js';
import type { RecordsRepository } from '../../../src/repositories/records/recordsRepository.js';
import { startWorker, type RunningWorker } from '../../../src/worker/startWorker.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { countRecords } from '../../support/recordsCount.js';

/**
 * Infrastructure failures are retried with backoff; after the last attempt the batch ends in
 * `error` with a message telling the user to retry later. The failure is injected at the records
 * store boundary; everything else is real.
 */
describe('worker retries on infrastructure failures', () => {
  let stack: TestStack;
  let worker: RunningWorker | undefined;
  let failuresLeft = 0;
  let writeCalls = 0;

  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: false,
      // Outages are waited out for the window (tries after 0.1, 0.2, 0.4 s: the next, 0.8 s
      // later, would end past 1 s), not counted against JOB_ATTEMPTS.
      env: { JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '100', JOB_RETRY_WINDOW_MS: '1000' },
    });
    const real = stack.records;
    const flaky: RecordsRepository = {
      ...real,
      writeRecords: async (batchId, records) => {
        writeCalls++;
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new DependencyUnavailableError('records store is unavailable (injected)', {
            dependency: 'records',
          });
        }
        return real.writeRecords(batchId, records);
      },
    };
    const options = workerOptions(stack.components, { sweep: false });
    worker = startWorker({ ...options, processor: { ...options.processor, records: flaky } });
  });
  afterAll(async () => {
    await worker?.close(5_000);
    await stack?.close();
  });

  it('recovers from a transient failure and loads every record', async () => {
    failuresLeft = 1;
    const user = await newUser();
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(1500), 'flaky.csv'),
    });
    const done = await waitForStatus(stack, user.token, up.body.id);
    expect(done).toMatchObject({ status: 'loaded', recordsLoaded: 1500, rowsRead: 1500 });
    // The outage used no attempt: the job went back to `delayed`, and only the success counted.
    // BullMQ counts the attempt when it finishes the job, just after the batch is `loaded`.
    await expect
      .poll(async () => (await stack.jobs.getJob(up.body.id))?.finishedOn, { timeout: 10_000, interval: 50 })
      .toEqual(expect.any(Number));
    expect((await stack.jobs.getJob(up.body.id))?.attemptsMade).toBe(1);
    expect(await countRecords(stack.records, up.body.id)).toEqual({ records: 1500, invalidRows: 0 });
  });

  it('ends in error once the outage outlasts the retry window, saying to retry later; retry then succeeds', async () => {
    failuresLeft = 1_000;
    writeCalls = 0;
    const user = await newUser();
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(10), 'down.csv'),
    });
    const failed = await waitForStatus(stack, user.token, up.body.id);
    expect(failed.status).toBe('error');
    expect(failed.errorMessage).toBe('records store unavailable, retry later');
    // Four tries fit the 1 s window (a slow box may fit one fewer); never the endless retrying
    // of an outage that does not end.
    expect(writeCalls).toBeGreaterThanOrEqual(3);
    expect(writeCalls).toBeLessThanOrEqual(4);

    failuresLeft = 0;
    const retry = await api(stack, `/api/batches/${up.body.id}/retry`, { method: 'POST', token: user.token });
    expect(retry.status).toBe(200);
    const done = await waitForStatus(stack, user.token, up.body.id);
    expect(done).toMatchObject({ status: 'loaded', recordsLoaded: 10, progress: 100 });
  });
});
