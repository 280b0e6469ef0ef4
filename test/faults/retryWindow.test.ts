/**
 * The retry budget follows the outage: a job that meets a dependency outage keeps trying with
 * capped backoff for JOB_RETRY_WINDOW_MS instead of a fixed number of attempts. SeaweedFS is
 * stopped (through the services manager, on the stack this suite runs on) under jobs waiting in
 * the queue: a 60 s outage inside a 5 min window ends `loaded`; an outage longer than a 10 s
 * window ends `error` with the retry-later message naming storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up, type ServiceName } from '../../scripts/services/index.js';
import { workerOptions } from '../../src/workerComposition.js';
import { startWorker, type RunningWorker } from '../../src/worker/startWorker.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { countRecords } from '../support/recordsCount.js';
import { api, newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../support/testStack.js';
import { saveResults, sleep } from './support.js';

const SERVICES: ServiceName[] = ['postgres', 'redis', 'seaweedfs'];
const ROWS = 30;

describe('retry window during a storage outage', () => {
  let stack: TestStack;
  let worker: RunningWorker | undefined;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    await up(SERVICES);
    // The queue's attempt budget (5 tries, 0.5 s first backoff: ~8 s) is far shorter than the
    // outage: only the window can carry a job through it.
    stack = await startStack({
      storage: 's3',
      records: 'postgres',
      worker: false,
      env: { JOB_ATTEMPTS: '5', JOB_BACKOFF_MS: '500' },
    });
  });
  afterAll(async () => {
    await up(SERVICES);
    await worker?.close(5_000);
    await stack?.close();
    saveResults('retryWindow', figures);
  });

  /** Uploads `n` files with no worker running: their jobs wait in the queue. */
  async function queued(user: { token: string }, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(contactsCsv(ROWS), `window-${i}.csv`),
      });
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.id as string);
    }
    return ids;
  }

  function startWorkerWithWindow(windowMs: number): RunningWorker {
    const options = workerOptions(stack.components, { sweep: false });
    return startWorker({
      ...options,
      settings: { ...options.settings, outageRetry: { windowMs, backoffMs: 500 } },
    });
  }

  it('a 60 s outage inside a 5 min window ends loaded', async () => {
    const user = await newUser('window-long');
    const ids = await queued(user, 2);
    await down(['seaweedfs']);
    const t0 = Date.now();
    worker = startWorkerWithWindow(300_000);
    await sleep(60_000);
    for (const id of ids) {
      expect((await stack.batches.findById(id))!.status).not.toBe('error');
    }
    await up(['seaweedfs']);
    const outageMs = Date.now() - t0;
    for (const id of ids) {
      expect(await waitForStatus(stack, user.token, id, undefined, 120_000)).toMatchObject({
        status: 'loaded',
      });
      expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });
    }
    // The outage itself uses no attempt; a try while SeaweedFS is still starting may (an answer
    // that is not an outage error), which the queue's attempts absorb.
    const jobs = await Promise.all(ids.map((id) => stack.jobs.getJob(id)));
    const attempts = jobs.map((job) => job!.attemptsMade);
    console.log(
      `[faults] retryWindow: attempts used ${JSON.stringify(attempts)} ` +
        `(${JSON.stringify(jobs.map((job) => job!.failedReason))})`,
    );
    expect(Math.max(...attempts)).toBeLessThan(5);
    figures['insideWindow'] = {
      attempts,
      outageMs,
      loadedAfterS: (Date.now() - t0 - outageMs) / 1000,
      batches: ids.length,
    };
    await worker.close(5_000);
    worker = undefined;
  });

  it('an outage longer than a 10 s window ends error (retry later), naming storage', async () => {
    const user = await newUser('window-short');
    const [id] = await queued(user, 1);
    await down(['seaweedfs']);
    const t0 = Date.now();
    worker = startWorkerWithWindow(10_000);
    const failed = await waitForStatus(stack, user.token, id!, undefined, 60_000);
    const endedAfterMs = Date.now() - t0;
    await up(['seaweedfs']);
    expect(failed).toMatchObject({
      status: 'error',
      errorMessage: 'the stored file could not be read; retry later',
    });
    // The last try that fits in the window was the last one: it did not wait out the outage.
    expect(endedAfterMs).toBeLessThan(40_000);
    figures['beyondWindow'] = { windowMs: 10_000, endedAfterMs };
  });
});
